package io.pulsarproxy.pipeline;

/**
 * Every {@link WildcardRoutingTest} again, with decode, route and deliver each on its own thread.
 */
class WildcardRoutingThreeStageThreadsTest extends WildcardRoutingTest
{
    @Override
    int stageThreads()
    {
        return 3;
    }
}
