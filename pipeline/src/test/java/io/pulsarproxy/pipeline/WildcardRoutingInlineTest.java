package io.pulsarproxy.pipeline;

/**
 * Every {@link WildcardRoutingTest} again, with decode, route and deliver run inline on the publishing threads (no stage thread).
 */
class WildcardRoutingInlineTest extends WildcardRoutingTest
{
    @Override
    int stageThreads()
    {
        return 0;
    }
}
