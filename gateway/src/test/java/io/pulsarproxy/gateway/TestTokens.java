package io.pulsarproxy.gateway;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * Mints JWTs for tests with nimbus-jose-jwt: HS256 with a shared secret, RS256 with a generated RSA key (its public
 * key written as PEM), ES256 with a generated P-256 key (written into a JWKS file), and unsecured ({@code alg: none})
 * tokens written by hand.
 */
final class TestTokens
{
    /** An HS256 secret of more than 32 bytes. */
    static final String SECRET = "pulsar-proxy-test-secret-0123456789abcdef";
    /** Another HS256 secret, for tokens whose signature the gateway must refuse. */
    static final String OTHER_SECRET = "not-the-gateway-secret-0123456789abcdefgh";

    private TestTokens()
    {
    }

    /**
     * Claims for a subject that may publish and subscribe to the given patterns, valid for an hour.
     */
    static JWTClaimsSet.Builder claims(final String subject, final List<String> publish, final List<String> subscribe)
    {
        final long now = System.currentTimeMillis();
        return new JWTClaimsSet.Builder()
            .subject(subject)
            .issueTime(new Date(now))
            .expirationTime(new Date(now + 3_600_000L))
            .claim("publish", publish)
            .claim("subscribe", subscribe);
    }

    /**
     * An HS256 token signed with {@link #SECRET} for a subject that may publish and subscribe to the patterns.
     */
    static String token(final String subject, final List<String> publish, final List<String> subscribe)
    {
        return hs256(SECRET, claims(subject, publish, subscribe).build());
    }

    static String hs256(final String secret, final JWTClaimsSet claims)
    {
        try
        {
            return sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), JWSAlgorithm.HS256, null, claims);
        }
        catch (final JOSEException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * An HS256 token whose header names a key id, as issuers with several keys do.
     */
    static String hs256(final String secret, final String keyId, final JWTClaimsSet claims)
    {
        try
        {
            return sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), JWSAlgorithm.HS256, keyId, claims);
        }
        catch (final JOSEException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * An HS256 token whose HMAC key is arbitrary bytes (e.g. a PEM public key, as in the algorithm confusion attack).
     */
    static String hs256(final byte[] key, final JWTClaimsSet claims)
    {
        try
        {
            return sign(new MACSigner(key), JWSAlgorithm.HS256, null, claims);
        }
        catch (final JOSEException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static String rs256(final RSAKey key, final JWTClaimsSet claims)
    {
        try
        {
            return sign(new RSASSASigner(key), JWSAlgorithm.RS256, key.getKeyID(), claims);
        }
        catch (final JOSEException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static String es256(final ECKey key, final JWTClaimsSet claims)
    {
        try
        {
            return sign(new ECDSASigner(key), JWSAlgorithm.ES256, key.getKeyID(), claims);
        }
        catch (final JOSEException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * An unsecured JWT: header {@code {"alg":"none"}}, the claims, and an empty signature.
     */
    static String none(final JWTClaimsSet claims)
    {
        final Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." +
            b64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8)) + ".";
    }

    static RSAKey rsaKey(final String keyId)
    {
        try
        {
            return new RSAKeyGenerator(2048).keyID(keyId).generate();
        }
        catch (final JOSEException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static ECKey ecKey(final String keyId)
    {
        try
        {
            return new ECKeyGenerator(Curve.P_256).keyID(keyId).generate();
        }
        catch (final JOSEException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * The PEM text of an RSA public key.
     */
    static String pem(final RSAKey key)
    {
        try
        {
            return pem(key.toRSAPublicKey());
        }
        catch (final JOSEException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * The PEM text ({@code -----BEGIN PUBLIC KEY-----}) of any public key.
     */
    static String pem(final PublicKey key)
    {
        final String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(key.getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
    }

    static Path writePem(final Path dir, final RSAKey key) throws IOException
    {
        return Files.writeString(dir.resolve("jwt-public.pem"), pem(key), StandardCharsets.US_ASCII);
    }

    static Path writePem(final Path dir, final ECKey key) throws IOException
    {
        try
        {
            return Files.writeString(dir.resolve("jwt-ec-public.pem"), pem(key.toECPublicKey()),
                StandardCharsets.US_ASCII);
        }
        catch (final JOSEException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Writes the public halves of the keys as a JWKS file.
     */
    static Path writeJwks(final Path dir, final ECKey... keys) throws IOException
    {
        final JWKSet set = new JWKSet(List.<JWK>of(keys));
        return Files.writeString(dir.resolve("jwks.json"), set.toPublicJWKSet().toString(), StandardCharsets.UTF_8);
    }

    private static String sign(
        final JWSSigner signer, final JWSAlgorithm algorithm, final String keyId, final JWTClaimsSet claims)
        throws JOSEException
    {
        final SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(keyId).build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }
}
