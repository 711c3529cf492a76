package io.pulsarproxy.ingest;

import io.undertow.util.AttachmentKey;

/**
 * What the caller of a publish request may do, as established by whoever authenticated it (the gateway's JWT
 * handler). A request without one is open.
 * <p>
 * <b>Note:</b> implementations are immutable and may be shared between requests of the same token.
 */
public interface PublishGrant
{
    /** Where the authenticating handler leaves the grant on the exchange. */
    AttachmentKey<PublishGrant> ATTACHMENT = AttachmentKey.create(PublishGrant.class);

    /** The grant of an unauthenticated gateway: anyone may publish anywhere. */
    PublishGrant OPEN = new PublishGrant()
    {
        @Override
        public String subject()
        {
            return null;
        }

        @Override
        public boolean mayPublish(final byte[] topic, final int offset, final int length)
        {
            return true;
        }
    };

    /**
     * Who the caller is, for rate limits and logs.
     *
     * @return the token's subject, or null when unauthenticated.
     */
    String subject();

    /**
     * Tells whether the caller may publish to a topic.
     *
     * @param topic  bytes holding a valid topic.
     * @param offset where it starts.
     * @param length its length.
     * @return true if allowed.
     */
    boolean mayPublish(byte[] topic, int offset, int length);
}
