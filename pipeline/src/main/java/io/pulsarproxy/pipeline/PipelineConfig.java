package io.pulsarproxy.pipeline;

/**
 * The settings of the pipeline, built once by the gateway from its configuration.
 *
 * @param ringSize                      slots in the ring; a power of two.
 * @param waitStrategy                  how stage threads wait for work.
 * @param slotBytes                     bytes each slot allocates up front.
 * @param slotRetainBytes               largest slot buffer kept after a big message passed.
 * @param historySize                   messages retained per topic.
 * @param historyBytes                  payload bytes retained per topic.
 * @param maxTopics                     topics the table may hold.
 * @param maxSubscriptionsPerSubscriber subscriptions one connection may hold.
 * @param idempotencyWindow             idempotency keys remembered per topic (0 turns duplicate suppression off).
 * @param maxBatchSize                  events a stage handles before it publishes progress (bounds latency).
 * @param stageThreads                  0 to run the stages on the publishing threads, 1 to run them all on one
 *                                      stage thread, 3 for a thread per stage.
 * @param epoch                         the id of every topic sequence started by this process.
 */
public record PipelineConfig(
    int ringSize,
    WaitStrategyType waitStrategy,
    int slotBytes,
    int slotRetainBytes,
    int historySize,
    int historyBytes,
    int maxTopics,
    int maxSubscriptionsPerSubscriber,
    int idempotencyWindow,
    int maxBatchSize,
    int stageThreads,
    String epoch)
{
    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException naming the bad value.
     */
    public PipelineConfig
    {
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1)
        {
            throw new IllegalArgumentException("ringSize must be a power of two >= 2: " + ringSize);
        }
        if (slotBytes < 16 || slotRetainBytes < slotBytes)
        {
            throw new IllegalArgumentException("slotBytes must be >= 16 and <= slotRetainBytes");
        }
        if (historySize < 0 || historyBytes < 0 || idempotencyWindow < 0 || maxTopics < 1 ||
            maxSubscriptionsPerSubscriber < 1 ||
            maxBatchSize < 1)
        {
            throw new IllegalArgumentException("history bounds must be >= 0, other limits >= 1");
        }
        if (stageThreads != 0 && stageThreads != 1 && stageThreads != 3)
        {
            throw new IllegalArgumentException("stageThreads must be 0, 1 or 3: " + stageThreads);
        }
    }
}
