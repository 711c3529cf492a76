package io.pulsarproxy.pipeline;

/**
 * Every {@link IdempotencyTest} again, with decode, route and deliver each on its own thread.
 */
class IdempotencyThreeStageThreadsTest extends IdempotencyTest
{
    @Override
    int stageThreads()
    {
        return 3;
    }
}
