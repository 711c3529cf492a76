package io.pulsarproxy.pipeline;

/**
 * Every {@link ReplayTest} again, with decode, route and deliver each on its own thread.
 */
class ReplayThreeStageThreadsTest extends ReplayTest
{
    @Override
    int stageThreads()
    {
        return 3;
    }
}
