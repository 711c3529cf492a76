package io.pulsarproxy.pipeline;

/**
 * Every {@link PipelineTest} again, with decode, route and deliver each on its own thread.
 */
class PipelineThreeStageThreadsTest extends PipelineTest
{
    @Override
    int stageThreads()
    {
        return 3;
    }
}
