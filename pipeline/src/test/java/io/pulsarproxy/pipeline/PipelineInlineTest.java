package io.pulsarproxy.pipeline;

/**
 * Every {@link PipelineTest} again, with decode, route and deliver run inline on the publishing threads (no stage thread).
 */
class PipelineInlineTest extends PipelineTest
{
    @Override
    int stageThreads()
    {
        return 0;
    }
}
