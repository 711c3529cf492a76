package io.pulsarproxy.pipeline;

import com.lmax.disruptor.EventHandler;

/**
 * First stage: derives from a slot's bytes what route needs to find the topic without touching a String.
 * <p>
 * Ingest has already validated framing, JSON and topic names on the IO thread (a batch is atomic, so it must be
 * checked whole before any slot is claimed); decode takes the per-message hashing off both the IO threads and the
 * single-writer route thread.
 */
public final class DecodeHandler implements EventHandler<MessageEvent>
{
    @Override
    public void onEvent(final MessageEvent event, final long sequence, final boolean endOfBatch)
    {
        event.topicHash = event.topicLength > 0 ? TopicHash.hash(event.data, 0, event.topicLength) : 0;
    }

    @Override
    public void onStart()
    {
        Thread.currentThread().setName("pulsar-decode");
    }
}
