package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicPattern;
import io.pulsarproxy.pipeline.TopicState;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One connection's slow-consumer policies: the connection's default, and those its subscriptions asked for, by
 * topic or by pattern. Consulted only when the connection's queue overflows.
 * <p>
 * <b>Note:</b> not thread-safe; guarded by the owning {@link Outbound}.
 */
final class PolicyTable
{
    private final SlowConsumerPolicy defaultPolicy;
    private Map<TopicState, SlowConsumerPolicy> topics;
    private List<TopicPattern> patterns;
    private List<SlowConsumerPolicy> patternPolicies;

    PolicyTable(final SlowConsumerPolicy defaultPolicy)
    {
        this.defaultPolicy = defaultPolicy;
    }

    void put(final TopicState topic, final SlowConsumerPolicy policy)
    {
        if (topics == null)
        {
            topics = new IdentityHashMap<>();
        }
        topics.put(topic, policy);
    }

    void put(final TopicPattern pattern, final SlowConsumerPolicy policy)
    {
        if (patterns == null)
        {
            patterns = new ArrayList<>(2);
            patternPolicies = new ArrayList<>(2);
        }
        patterns.add(pattern);
        patternPolicies.add(policy);
    }

    /**
     * The policy for a topic: its own subscription's, else the first matching pattern's, else the default.
     */
    SlowConsumerPolicy of(final TopicState topic)
    {
        if (topics != null)
        {
            final SlowConsumerPolicy policy = topics.get(topic);
            if (policy != null)
            {
                return policy;
            }
        }
        if (patterns != null)
        {
            for (int i = 0; i < patterns.size(); i++)
            {
                if (patterns.get(i).matches(topic.nameBytes()))
                {
                    return patternPolicies.get(i);
                }
            }
        }
        return defaultPolicy;
    }
}
