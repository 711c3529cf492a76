package io.pulsarproxy.pipeline;

/**
 * Every {@link ReplayTest} again, with decode, route and deliver run inline on the publishing threads (no stage thread).
 */
class ReplayInlineTest extends ReplayTest
{
    @Override
    int stageThreads()
    {
        return 0;
    }
}
