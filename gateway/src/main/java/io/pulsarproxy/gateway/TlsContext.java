package io.pulsarproxy.gateway;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * Builds the server's TLS context from the configured keystore.
 */
final class TlsContext
{
    private TlsContext()
    {
    }

    static SSLContext create(final HttpSettings http)
    {
        final char[] password = http.tlsKeystorePassword().toCharArray();
        try (InputStream in = Files.newInputStream(Path.of(http.tlsKeystore())))
        {
            final KeyStore keyStore = KeyStore.getInstance(http.tlsKeystoreType());
            keyStore.load(in, password);
            final KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(keyStore, password);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        }
        catch (final IOException | GeneralSecurityException ex)
        {
            throw new ConfigException(GatewayConfiguration.TLS_KEYSTORE_PROP_NAME + "=" + http.tlsKeystore() +
                ": cannot load the keystore: " + ex.getMessage());
        }
    }
}
