package io.pulsarproxy.pipeline;

/**
 * Every {@link PipelineStressTest} again, with decode, route and deliver each on its own thread.
 */
class PipelineThreeStageThreadsStressTest extends PipelineStressTest
{
    @Override
    int stageThreads()
    {
        return 3;
    }
}
