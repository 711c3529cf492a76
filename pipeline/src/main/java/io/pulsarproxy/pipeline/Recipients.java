package io.pulsarproxy.pipeline;

import java.util.Arrays;

/**
 * The subscribers of one topic, as route keeps them and as each message sees them: a subscriber comes and goes at
 * O(1) amortized cost, and a message routed at ring sequence {@code s} still reaches exactly the subscribers the
 * topic had at {@code s}, however the list changes before deliver gets to it.
 * <p>
 * Entries are never shifted. Each carries the ring sequence of the event that added it and of the event that removed
 * it, and an event at sequence {@code s} sees entry {@code i} if {@code added <= s < removed} ({@link #at}). Adding
 * writes past the end; removing stamps the entry. A full list grows into a copy of twice its live entries, and a list
 * with more removed than live entries moves to a compacted copy; a message in flight keeps the list it was routed
 * with, whose entries it sees never change. The copy-on-write array this replaces copied every subscriber on each
 * change: 10,000 subscribers of one topic made 200 MB of garbage while they connected (and as much when they left),
 * which grew the gateway's heap, and its resident memory, by more than all the connections themselves took.
 * <p>
 * A removed entry keeps its subscriber until the list is compacted, so at most as many departed subscribers are held
 * as live ones.
 * <p>
 * <b>Note:</b> route is the only writer. With stage threads, deliver reads concurrently for messages route finished
 * earlier; the ring orders everything route wrote up to a message before deliver reads it, and what route writes
 * afterwards is either invisible or carries a sequence later than the message's, which excludes the entry either way:
 * a slot beyond the end still holds {@link #NEVER} in both stamps, and a removal stamp is later than every message
 * that may still see the entry.
 */
final class Recipients
{
    /** A topic without subscribers. */
    static final Recipients NONE = new Recipients(0);
    /** The stamp of an entry not (yet) added or not removed. */
    private static final long NEVER = Long.MAX_VALUE;

    private final Subscriber[] subscribers;
    private final long[] addedAt;
    private final long[] removedAt;
    private int size;
    private int removed;

    private Recipients(final int capacity)
    {
        subscribers = new Subscriber[capacity];
        addedAt = new long[capacity];
        removedAt = new long[capacity];
        Arrays.fill(addedAt, NEVER);
        Arrays.fill(removedAt, NEVER);
    }

    /**
     * Deliver: the end of the entries any event routed so far may see.
     *
     * @return one past the last entry written.
     */
    int end()
    {
        return size;
    }

    /**
     * Deliver: entry {@code i} as the event at ring sequence {@code sequence} sees it.
     *
     * @param i        an index below {@link #end()}.
     * @param sequence the ring sequence of the event being delivered; route took this list for it.
     * @return the subscriber, or null if it was added after or removed before that event.
     */
    Subscriber at(final int i, final long sequence)
    {
        return addedAt[i] <= sequence && removedAt[i] > sequence ? subscribers[i] : null;
    }

    /**
     * The number of subscribers now.
     *
     * @return entries added and not removed.
     */
    int live()
    {
        return size - removed;
    }

    /**
     * Route: adds a subscriber for every event from {@code sequence} on.
     *
     * @param subscriber the new recipient; not already in the list.
     * @param sequence   the ring sequence of the event route is handling.
     * @return the list the topic keeps from now on: this one, or a larger copy.
     */
    Recipients add(final Subscriber subscriber, final long sequence)
    {
        final Recipients target = size < subscribers.length ? this : compacted(Math.max(2, live() * 2));
        final int i = target.size;
        target.subscribers[i] = subscriber;
        target.addedAt[i] = sequence;
        target.size = i + 1;
        return target;
    }

    /**
     * Route: removes a subscriber for every event after {@code sequence}.
     *
     * @param subscriber the recipient to remove; nothing happens if it is not in the list.
     * @param sequence   the ring sequence of the event route is handling.
     * @return the list the topic keeps from now on: this one, a compacted copy, or {@link #NONE}.
     */
    Recipients remove(final Subscriber subscriber, final long sequence)
    {
        for (int i = 0; i < size; i++)
        {
            if (subscribers[i] == subscriber && removedAt[i] == NEVER)
            {
                removedAt[i] = sequence;
                removed++;
                if (removed == size)
                {
                    return NONE;
                }
                return removed > size - removed ? compacted(Math.max(2, live() * 2)) : this;
            }
        }
        return this;
    }

    private Recipients compacted(final int capacity)
    {
        final Recipients copy = new Recipients(capacity);
        int n = 0;
        for (int i = 0; i < size; i++)
        {
            if (removedAt[i] == NEVER)
            {
                copy.subscribers[n] = subscribers[i];
                copy.addedAt[n] = addedAt[i];
                n++;
            }
        }
        copy.size = n;
        return copy;
    }
}
