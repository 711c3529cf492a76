package io.pulsarproxy.delivery;

import io.undertow.util.AttachmentKey;

/**
 * What a subscriber may subscribe to and until when, as established by whoever authenticated its handshake (the
 * gateway's JWT handler). A connection without one is open.
 * <p>
 * <b>Note:</b> implementations are immutable and may be shared between connections of the same token.
 */
public interface SubscriptionGrant
{
    /** Where the authenticating handler leaves the grant on the handshake exchange. */
    AttachmentKey<SubscriptionGrant> ATTACHMENT = AttachmentKey.create(SubscriptionGrant.class);

    /** The grant of an unauthenticated gateway: any topic, for ever. */
    SubscriptionGrant OPEN = new SubscriptionGrant()
    {
        @Override
        public String subject()
        {
            return null;
        }

        @Override
        public boolean maySubscribe(final byte[] topic, final int offset, final int length)
        {
            return true;
        }

        @Override
        public long expiresAtMillis()
        {
            return Long.MAX_VALUE;
        }
    };

    /**
     * Who the subscriber is, for logs.
     *
     * @return the token's subject, or null when unauthenticated.
     */
    String subject();

    /**
     * Tells whether a topic or pattern lies within what the subscriber may read.
     *
     * @param topic  bytes holding a valid topic or pattern.
     * @param offset where it starts.
     * @param length its length.
     * @return true if every topic it can match is allowed.
     */
    boolean maySubscribe(byte[] topic, int offset, int length);

    /**
     * When the credential ends; the connection is closed then.
     *
     * @return epoch milliseconds, {@link Long#MAX_VALUE} for never.
     */
    long expiresAtMillis();
}
