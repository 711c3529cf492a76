package io.pulsarproxy.jmh.scenario;

/**
 * What a set of WebSocket clients saw, summed over every connection.
 *
 * @param connections      connections asked for.
 * @param subscribed       connections that were subscribed (gateway: {@code subscribed} frame; Nchan: 101).
 * @param received         messages received.
 * @param lost             messages expected but not received (including skipped ones).
 * @param duplicateOrLate  messages whose index was below the next expected one (duplicate or reordered).
 * @param seqErrors        messages whose topic seq did not follow the previous one.
 * @param seqMismatch      connections that got other seqs for the same messages than most connections did (each
 *                         connection's seq minus message index differs from the most common one).
 * @param gapFrames        {@code gap} control frames.
 * @param errorFrames      {@code error} control frames.
 * @param failedConnects   connections that failed to connect or were refused at the handshake.
 * @param unexpectedCloses connections the server closed before the client did.
 */
public record WsStats(
    long connections,
    long subscribed,
    long received,
    long lost,
    long duplicateOrLate,
    long seqErrors,
    long seqMismatch,
    long gapFrames,
    long errorFrames,
    long failedConnects,
    long unexpectedCloses)
{
    /**
     * Every kind of error added up.
     *
     * @return the error count.
     */
    public long errors()
    {
        return lost + duplicateOrLate + seqErrors + seqMismatch + gapFrames + errorFrames + failedConnects + unexpectedCloses;
    }
}
