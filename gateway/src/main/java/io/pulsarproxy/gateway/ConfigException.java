package io.pulsarproxy.gateway;

/**
 * A configuration value that cannot be used; its message names the property, the value and what is allowed.
 */
public final class ConfigException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the property.
     */
    public ConfigException(final String message)
    {
        super(message);
    }
}
