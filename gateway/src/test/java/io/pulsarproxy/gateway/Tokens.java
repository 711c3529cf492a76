package io.pulsarproxy.gateway;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;

/**
 * Mints HS256 tokens for tests, signed with nimbus-jose-jwt's {@link MACSigner}.
 */
final class Tokens
{
    /** A shared secret long enough for HS256 (at least 32 bytes). */
    static final String SECRET = "console-test-secret-0123456789-abcdefghij";

    private Tokens()
    {
    }

    /**
     * A token for {@code subject} that may publish and subscribe to the given patterns, valid for ten minutes.
     */
    static String hs256(final String secret, final String subject, final List<String> publish,
        final List<String> subscribe)
    {
        final JWTClaimsSet claims = new JWTClaimsSet.Builder()
            .subject(subject)
            .claim("publish", publish)
            .claim("subscribe", subscribe)
            .issueTime(new Date())
            .expirationTime(new Date(System.currentTimeMillis() + 600_000))
            .build();
        final SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try
        {
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        }
        catch (final JOSEException ex)
        {
            throw new IllegalStateException(ex);
        }
        return jwt.serialize();
    }
}
