package io.pulsarproxy.delivery;

/**
 * What happens when a connection's outbound buffer would grow past its bound because the client reads too slowly.
 * <p>
 * Either way the pipeline and every other subscriber go on at full speed: the slow connection pays, nobody else.
 */
public enum SlowConsumerPolicy
{
    /** Discard the oldest undelivered messages and tell the client exactly which with a {@code gap} frame. */
    DROP("drop"),
    /** Close the connection with code 1008 and a reason. */
    DISCONNECT("disconnect"),
    /**
     * Conflate: keep only the newest undelivered message of each topic and tell the client what was skipped with a
     * {@code gap} frame; what market-data clients want.
     */
    LATEST("latest");

    private final String propertyValue;

    SlowConsumerPolicy(final String propertyValue)
    {
        this.propertyValue = propertyValue;
    }

    /**
     * The value that selects this policy in {@code proxy.slow.policy}.
     *
     * @return the property value.
     */
    public String propertyValue()
    {
        return propertyValue;
    }

    /**
     * Parses a property value.
     *
     * @param value the text.
     * @return the policy.
     * @throws IllegalArgumentException naming the allowed values.
     */
    public static SlowConsumerPolicy parse(final String value)
    {
        for (final SlowConsumerPolicy policy : values())
        {
            if (policy.propertyValue.equalsIgnoreCase(value.trim()))
            {
                return policy;
            }
        }
        throw new IllegalArgumentException("must be one of drop, disconnect, latest");
    }
}
