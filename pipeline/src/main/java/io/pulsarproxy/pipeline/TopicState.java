package io.pulsarproxy.pipeline;

import java.nio.charset.StandardCharsets;

/**
 * Everything the gateway knows about one topic: its name, its sequence, its subscribers and its history.
 * <p>
 * <b>Note:</b> each field has one writer. Route writes {@code seq}, {@code subscribers} and the hash chain; deliver
 * writes the history. Other threads read a topic only through a {@link TopicQuery} that travels the ring.
 */
public final class TopicState
{
    private final byte[] nameBytes;
    private final String name;
    private final long hash;
    private String epoch;
    private byte[] epochBytes;
    private final TopicHistory history;

    TopicState next;
    long seq;
    Recipients subscribers = Recipients.NONE;
    PublishRequest lastRequest;
    int lastRequestIndex;
    IdempotencyWindow idempotency;

    // Shared engine only, all written by route.
    /** The engine listens to the topic's own channel (some subscriber holds it by exact name). */
    boolean listening;
    /** Bumped whenever the topic stops being followed or its sequence restarts: older fetches and syncs are stale. */
    int generation;
    /** {@link #seq} is the last seq delivered here, and every later message will reach this node. */
    boolean synced;
    /** A fetch of a missed range is in flight; live messages wait in the store meanwhile. */
    boolean refilling;
    /** Highest seq seen on the live feed while not synced or while refilling. */
    long maxSeen;
    /** Subscribers holding the topic by exact name, live or pending. */
    int exactCount;
    /** Subscriptions waiting for the first sync. */
    java.util.List<PendingSubscribe> parked;

    TopicState(
        final byte[] src,
        final int offset,
        final int length,
        final long hash,
        final String epoch,
        final int historyCount,
        final int historyBytes)
    {
        this.nameBytes = new byte[length];
        System.arraycopy(src, offset, nameBytes, 0, length);
        this.name = new String(nameBytes, StandardCharsets.US_ASCII);
        this.hash = hash;
        this.epoch = epoch;
        this.epochBytes = epoch.getBytes(StandardCharsets.US_ASCII);
        this.history = new TopicHistory(historyCount, historyBytes);
    }

    /**
     * The topic name as bytes (ASCII); do not modify.
     *
     * @return the name's bytes.
     */
    public byte[] nameBytes()
    {
        return nameBytes;
    }

    /**
     * The topic name.
     *
     * @return the name.
     */
    public String name()
    {
        return name;
    }

    /**
     * The hash the topic table files this topic under.
     *
     * @return the topic hash.
     */
    public long hash()
    {
        return hash;
    }

    /**
     * The id of this topic's sequence; it changes whenever the sequence restarts.
     *
     * @return the epoch.
     */
    public String epoch()
    {
        return epoch;
    }

    /**
     * The epoch as ASCII bytes, for encoders; do not modify.
     *
     * @return the epoch's bytes.
     */
    public byte[] epochBytes()
    {
        return epochBytes;
    }

    /**
     * Takes the epoch a shared store keeps for this topic; route only.
     *
     * @param epoch the store's epoch.
     */
    void epoch(final String epoch)
    {
        if (!epoch.equals(this.epoch))
        {
            this.epoch = epoch;
            this.epochBytes = epoch.getBytes(StandardCharsets.US_ASCII);
        }
    }

    /**
     * The retained messages; read and written only by the deliver stage.
     *
     * @return the history.
     */
    public TopicHistory history()
    {
        return history;
    }

    boolean matches(final byte[] src, final int offset, final int length)
    {
        if (length != nameBytes.length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (nameBytes[i] != src[offset + i])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Route: makes the subscriber a recipient of every message routed from the current event on.
     *
     * @param subscriber the new recipient.
     * @param sequence   the ring sequence of the event route is handling.
     */
    void addSubscriber(final Subscriber subscriber, final long sequence)
    {
        subscribers = subscribers.add(subscriber, sequence);
    }

    /**
     * Route: stops delivery to the subscriber for every message routed after the current event.
     *
     * @param subscriber the recipient to remove.
     * @param sequence   the ring sequence of the event route is handling.
     */
    void removeSubscriber(final Subscriber subscriber, final long sequence)
    {
        subscribers = subscribers.remove(subscriber, sequence);
    }

    /**
     * Route: how many subscribers receive this topic's messages now.
     *
     * @return the count.
     */
    int subscriberCount()
    {
        return subscribers.live();
    }

    @Override
    public String toString()
    {
        return "TopicState{" + name + ", seq=" + seq + ", subscribers=" + subscribers.live() + "}";
    }
}
