package io.pulsarproxy.ingest;

/**
 * One spare request-body array per IO thread, so that a body with a {@code Content-Length} is read into an array
 * that was used before rather than one allocated, zeroed and collected for each request.
 * <p>
 * A batch of 1,000 messages is a body of 100-200 KB: too big for a thread-local allocation buffer, so each one was
 * allocated in the shared heap and zeroed, and the pages G1 handed out for it were faulted in. That was 11% of the
 * gateway's CPU under {@code large-batches}. A publish is done with its body before its callback returns (the bytes
 * are copied into ring slots), so the array can serve the thread's next request.
 * <p>
 * A body being read holds the array until it is done; another request on the same thread meanwhile (one client
 * trickles its body while another sends) gets a new array, and the larger of the two is kept. Arrays larger than
 * {@link #MAX_SPARE_BYTES} are not kept: what the gateway holds when idle stays bounded at that much per IO thread.
 * <p>
 * <b>Note:</b> not thread safe; each instance is used only by the IO thread that {@link #current()} gave it to.
 */
final class BodySpares
{
    /** The largest array kept for reuse. */
    static final int MAX_SPARE_BYTES = 1 << 20;

    private static final ThreadLocal<BodySpares> SPARES = ThreadLocal.withInitial(BodySpares::new);

    private byte[] spare;

    private BodySpares()
    {
    }

    /**
     * The calling thread's spares.
     *
     * @return the spares of this thread.
     */
    static BodySpares current()
    {
        return SPARES.get();
    }

    /**
     * Takes the spare if it holds {@code length} bytes, otherwise allocates an array of exactly {@code length}. The
     * array may be longer than {@code length}: only its first {@code length} bytes are the body.
     *
     * @param length the body's length.
     * @return an array of at least {@code length} bytes, owned by the caller until {@link #give(byte[])}.
     */
    byte[] take(final int length)
    {
        final byte[] candidate = spare;
        if (candidate != null && candidate.length >= length)
        {
            spare = null;
            return candidate;
        }
        return new byte[length];
    }

    /**
     * Returns an array once nothing refers to it any more: it becomes the spare if it is larger than the current one
     * and no larger than {@link #MAX_SPARE_BYTES}.
     *
     * @param body an array from {@link #take(int)}, which the caller no longer uses.
     */
    void give(final byte[] body)
    {
        if (body.length <= MAX_SPARE_BYTES && (spare == null || spare.length < body.length))
        {
            spare = body;
        }
    }
}
