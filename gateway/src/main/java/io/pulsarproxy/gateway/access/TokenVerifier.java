package io.pulsarproxy.gateway.access;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.proc.SingleKeyJWSKeySelector;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.pulsarproxy.gateway.ConfigException;
import io.pulsarproxy.pipeline.TopicName;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies bearer tokens (JWT) with nimbus-jose-jwt and turns their claims into a {@link Grant}.
 * <p>
 * The key is an HS256 shared secret, a PEM public key (RSA for RS256, EC P-256 for ES256) or a JWKS file; only the
 * algorithms that fit the key are accepted, so {@code alg: none} and algorithm substitution fail. {@code exp} and
 * {@code nbf} are honoured with a small clock skew. {@code publish} and {@code subscribe} are lists of topic
 * patterns; {@code sub} names the caller.
 * <p>
 * Verified tokens are cached until they expire (at most {@link #CACHE_LIMIT} of them), so a client that sends the same
 * token with every request pays for the signature check once.
 */
public final class TokenVerifier
{
    /** Most verified tokens kept. */
    public static final int CACHE_LIMIT = 10_000;

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final Map<String, Grant> cache = new ConcurrentHashMap<>();
    private final String description;

    private TokenVerifier(final JWSKeySelector<SecurityContext> keys, final int clockSkewSeconds,
        final String description)
    {
        processor.setJWSKeySelector(keys);
        final DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(null, null);
        claims.setMaxClockSkew(clockSkewSeconds);
        processor.setJWTClaimsSetVerifier(claims);
        this.description = description;
    }

    /**
     * Builds a verifier from the configured key, or returns null when none is configured (auth off).
     *
     * @param secret           an HS256 secret, or null.
     * @param publicKeyPath    a PEM public key file, or null.
     * @param jwksPath         a JWKS file, or null.
     * @param clockSkewSeconds leeway for {@code exp} and {@code nbf}.
     * @return the verifier, or null.
     * @throws ConfigException when the key is unusable or more than one is given.
     */
    public static TokenVerifier create(
        final String secret, final String publicKeyPath, final String jwksPath, final int clockSkewSeconds)
    {
        int given = 0;
        given += secret != null ? 1 : 0;
        given += publicKeyPath != null ? 1 : 0;
        given += jwksPath != null ? 1 : 0;
        if (given == 0)
        {
            return null;
        }
        if (given > 1)
        {
            throw new ConfigException("set only one of proxy.auth.jwt.secret, proxy.auth.jwt.public.key, " +
                "proxy.auth.jwt.jwks");
        }
        if (secret != null)
        {
            final byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < 32)
            {
                throw new ConfigException("proxy.auth.jwt.secret must be at least 32 bytes (256 bits) for HS256");
            }
            // One key: whatever kid a token names, it is checked against this one (a kid-matching selector would
            // refuse every token that carries a kid, since a bare secret has none).
            return new TokenVerifier(new SingleKeyJWSKeySelector<>(JWSAlgorithm.HS256,
                new SecretKeySpec(bytes, "HmacSHA256")), clockSkewSeconds, "HS256 shared secret");
        }
        try
        {
            if (publicKeyPath != null)
            {
                final PublicKey key = readPem(Files.readString(Path.of(publicKeyPath)), publicKeyPath);
                final JWSAlgorithm algorithm = algorithmFor(key, "proxy.auth.jwt.public.key");
                return new TokenVerifier(new SingleKeyJWSKeySelector<>(algorithm, key), clockSkewSeconds,
                    algorithm + " public key " + publicKeyPath);
            }
            final JWKSet set = JWKSet.load(Path.of(jwksPath).toFile());
            if (set.getKeys().isEmpty())
            {
                throw new ConfigException("proxy.auth.jwt.jwks=" + jwksPath + ": the key set is empty");
            }
            final Set<JWSAlgorithm> algorithms = new HashSet<>();
            for (final JWK key : set.getKeys())
            {
                algorithms.add(algorithmFor(key, "proxy.auth.jwt.jwks"));
            }
            return new TokenVerifier(new JWSVerificationKeySelector<>(algorithms,
                new ImmutableJWKSet<>(set.toPublicJWKSet())), clockSkewSeconds,
                algorithms + " keys from JWKS " + jwksPath);
        }
        catch (final IOException | ParseException ex)
        {
            throw new ConfigException((publicKeyPath != null ? "proxy.auth.jwt.public.key=" + publicKeyPath :
                "proxy.auth.jwt.jwks=" + jwksPath) + ": cannot read the key: " + ex.getMessage());
        }
    }

    /**
     * Reads a PEM public key ({@code -----BEGIN PUBLIC KEY-----}, RSA or EC) with the JDK alone: nimbus's own PEM
     * parser needs BouncyCastle, which the gateway does not ship.
     */
    private static PublicKey readPem(final String pem, final String path)
    {
        final String begin = "-----BEGIN PUBLIC KEY-----";
        final int start = pem.indexOf(begin);
        final int end = pem.indexOf("-----END PUBLIC KEY-----");
        if (start < 0 || end < start)
        {
            throw new ConfigException("proxy.auth.jwt.public.key=" + path + ": not a PEM public key (" + begin + ")");
        }
        try
        {
            final X509EncodedKeySpec spec = new X509EncodedKeySpec(
                Base64.getMimeDecoder().decode(pem.substring(start + begin.length(), end)));
            try
            {
                return KeyFactory.getInstance("RSA").generatePublic(spec);
            }
            catch (final InvalidKeySpecException notRsa)
            {
                return KeyFactory.getInstance("EC").generatePublic(spec);
            }
        }
        catch (final GeneralSecurityException | IllegalArgumentException ex)
        {
            throw new ConfigException(
                "proxy.auth.jwt.public.key=" + path + ": cannot read the key: " + ex.getMessage());
        }
    }

    private static JWSAlgorithm algorithmFor(final PublicKey key, final String property)
    {
        if (key instanceof RSAPublicKey)
        {
            return JWSAlgorithm.RS256;
        }
        if (key instanceof ECPublicKey &&
            Curve.P_256.equals(Curve.forECParameterSpec(((ECPublicKey)key).getParams())))
        {
            return JWSAlgorithm.ES256;
        }
        throw new ConfigException(property + ": only RSA (RS256) and EC P-256 (ES256) public keys are supported");
    }

    private static JWSAlgorithm algorithmFor(final JWK key, final String property)
    {
        if (key.getKeyType() == KeyType.RSA && key instanceof RSAKey)
        {
            return JWSAlgorithm.RS256;
        }
        if (key.getKeyType() == KeyType.EC && key instanceof ECKey && "P-256".equals(((ECKey)key).getCurve().getName()))
        {
            return JWSAlgorithm.ES256;
        }
        throw new ConfigException(property + ": only RSA (RS256) and EC P-256 (ES256) public keys are supported");
    }

    /**
     * What the verifier checks against, for the start-up banner (no secret in it).
     *
     * @return a description.
     */
    public String description()
    {
        return description;
    }

    /**
     * Verifies a token and reads its grant.
     *
     * @param token the compact JWT.
     * @return the grant.
     * @throws InvalidTokenException saying why the token is refused.
     */
    public Grant verify(final String token) throws InvalidTokenException
    {
        final Grant cached = cache.get(token);
        if (cached != null)
        {
            if (cached.expiresAtMillis() > System.currentTimeMillis())
            {
                return cached;
            }
            cache.remove(token);
        }
        final JWTClaimsSet claims;
        try
        {
            claims = processor.process(token, null);
        }
        catch (final ParseException ex)
        {
            throw new InvalidTokenException("malformed token");
        }
        catch (final BadJOSEException ex)
        {
            throw new InvalidTokenException(ex.getMessage());
        }
        catch (final JOSEException ex)
        {
            throw new InvalidTokenException("token could not be verified: " + ex.getMessage());
        }
        final Grant grant = new Grant(claims.getSubject(), patterns(claims, "publish"), patterns(claims, "subscribe"),
            expiry(claims.getExpirationTime()));
        if (cache.size() >= CACHE_LIMIT)
        {
            cache.clear();
        }
        cache.put(token, grant);
        return grant;
    }

    private static long expiry(final Date exp)
    {
        return exp == null ? Long.MAX_VALUE : exp.getTime();
    }

    private static List<String> patterns(final JWTClaimsSet claims, final String name) throws InvalidTokenException
    {
        final Object value = claims.getClaim(name);
        if (value == null)
        {
            return Collections.emptyList();
        }
        if (!(value instanceof List))
        {
            throw new InvalidTokenException("claim \"" + name + "\" must be a list of topic patterns");
        }
        final List<String> result = new ArrayList<>();
        for (final Object item : (List<?>)value)
        {
            if (!(item instanceof String))
            {
                throw new InvalidTokenException("claim \"" + name + "\" must be a list of topic patterns");
            }
            final byte[] bytes = ((String)item).getBytes(StandardCharsets.UTF_8);
            if (TopicName.validatePattern(bytes, 0, bytes.length) != TopicName.VALID)
            {
                throw new InvalidTokenException("claim \"" + name + "\" holds an invalid pattern: " + item);
            }
            result.add((String)item);
        }
        return result;
    }

    /**
     * A token that is refused; the message says why, safe to show to the client.
     */
    public static final class InvalidTokenException extends Exception
    {
        private static final long serialVersionUID = 1L;

        InvalidTokenException(final String message)
        {
            super(message, null, false, false);
        }
    }
}
