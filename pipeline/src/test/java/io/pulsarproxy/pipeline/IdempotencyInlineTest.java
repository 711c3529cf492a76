package io.pulsarproxy.pipeline;

/**
 * Every {@link IdempotencyTest} again, with decode, route and deliver run inline on the publishing threads (no stage thread).
 */
class IdempotencyInlineTest extends IdempotencyTest
{
    @Override
    int stageThreads()
    {
        return 0;
    }
}
