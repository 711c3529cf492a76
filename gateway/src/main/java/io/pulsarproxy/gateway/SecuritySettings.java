package io.pulsarproxy.gateway;

import java.util.Set;

/**
 * Authentication, rate-limit and browser-origin settings, part of {@link GatewayConfiguration}.
 *
 * @param jwtSecret             HS256 shared secret, or null.
 * @param jwtPublicKey          path of a PEM public key (RS256 or ES256), or null.
 * @param jwtJwks               path of a JWKS file, or null.
 * @param jwtClockSkewSeconds   leeway for {@code exp} and {@code nbf}.
 * @param publishRate           publish messages per second per caller, 0 for no limit.
 * @param publishBytes          publish bytes per second per caller, 0 for no limit.
 * @param connectRate           subscriber connection attempts per second per caller, 0 for no limit.
 * @param allowedOrigins        Origins allowed to open WebSockets; empty for any.
 */
public record SecuritySettings(
    String jwtSecret,
    String jwtPublicKey,
    String jwtJwks,
    int jwtClockSkewSeconds,
    int publishRate,
    int publishBytes,
    int connectRate,
    Set<String> allowedOrigins)
{
    /**
     * Tells whether a JWT key is configured.
     *
     * @return true when requests must carry a token.
     */
    public boolean authEnabled()
    {
        return jwtSecret != null || jwtPublicKey != null || jwtJwks != null;
    }

    @Override
    public String toString()
    {
        // Never print the secret itself.
        if (jwtSecret != null)
        {
            return "jwt=HS256 secret (***)";
        }
        if (jwtPublicKey != null)
        {
            return "jwt=public key " + jwtPublicKey;
        }
        return jwtJwks != null ? "jwt=JWKS " + jwtJwks : "jwt=off";
    }
}
