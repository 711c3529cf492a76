package io.pulsarproxy.pipeline;

/**
 * Every {@link PipelineStressTest} again, with decode, route and deliver run inline on the publishing threads (no stage thread).
 */
class PipelineInlineStressTest extends PipelineStressTest
{
    @Override
    int stageThreads()
    {
        return 0;
    }
}
