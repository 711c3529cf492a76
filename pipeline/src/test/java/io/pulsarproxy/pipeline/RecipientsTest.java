package io.pulsarproxy.pipeline;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipientsTest
{
    @Test
    void shouldSeeASubscriberFromTheEventThatAddedItUntilTheEventThatRemovedIt()
    {
        final RecordingSubscriber a = new RecordingSubscriber();
        Recipients list = Recipients.NONE.add(a, 5);
        assertEquals(List.of(), seen(list, 4));
        assertEquals(List.of(a), seen(list, 5));
        assertEquals(List.of(a), seen(list, 6));

        final RecordingSubscriber b = new RecordingSubscriber();
        list = list.add(b, 8);
        list = list.remove(a, 10);
        assertEquals(List.of(a), seen(list, 7));
        assertEquals(List.of(a, b), seen(list, 9));
        assertEquals(List.of(b), seen(list, 10));
        assertEquals(List.of(b), seen(list, 11));
        assertEquals(1, list.live());
    }

    @Test
    void shouldLeaveAListTakenEarlierAsItWasWhenTheTopicMovesToACopy()
    {
        final List<RecordingSubscriber> subscribers = new ArrayList<>();
        Recipients list = Recipients.NONE;
        for (int i = 0; i < 4; i++)
        {
            subscribers.add(new RecordingSubscriber());
            list = list.add(subscribers.get(i), 1);
        }
        final Recipients taken = list;

        // Growing past the capacity moves the topic to a copy ...
        final RecordingSubscriber late = new RecordingSubscriber();
        list = list.add(late, 3);
        assertTrue(list != taken);
        // ... and so does removing more than half.
        for (int i = 0; i < 3; i++)
        {
            list = list.remove(subscribers.get(i), 4 + i);
        }
        assertEquals(List.of(subscribers.get(3), late), seen(list, 10));

        // A message routed at sequence 2 still reaches all four, from the list it took.
        assertEquals(subscribers, seen(taken, 2));
    }

    @Test
    void shouldHoldASubscriberThatLeftAndCameBackOnce()
    {
        final RecordingSubscriber a = new RecordingSubscriber();
        final RecordingSubscriber b = new RecordingSubscriber();
        Recipients list = Recipients.NONE.add(a, 1).add(b, 1);
        list = list.remove(a, 2);
        list = list.add(a, 3);
        assertEquals(List.of(b), seen(list, 2));
        assertEquals(List.of(b, a), seen(list, 3));
        assertEquals(2, list.live());
        list = list.remove(a, 4);
        assertEquals(List.of(b), seen(list, 4));
    }

    @Test
    void shouldBecomeEmptyWhenTheLastSubscriberLeaves()
    {
        final RecordingSubscriber a = new RecordingSubscriber();
        final Recipients list = Recipients.NONE.add(a, 1);
        assertSame(Recipients.NONE, list.remove(a, 2));
        assertEquals(List.of(a), seen(list, 1), "a message routed before the removal still reaches it");
        assertSame(list, list.remove(new RecordingSubscriber(), 3), "removing a stranger changes nothing");
    }

    /**
     * The copy-on-write array this replaces copied every subscriber on each change: 10,000 subscribers of one topic
     * made 200 MB of garbage as they came, and as much as they went. A list is copied only when it doubles or halves.
     */
    @Test
    void shouldCopyTheListOnlyLogarithmicallyOftenAsTenThousandSubscribersComeAndGo()
    {
        final int n = 10_000;
        final List<RecordingSubscriber> subscribers = new ArrayList<>();
        final Map<Recipients, Boolean> lists = new IdentityHashMap<>();
        long copied = 0;
        Recipients list = Recipients.NONE;
        long sequence = 0;
        for (int i = 0; i < n; i++)
        {
            subscribers.add(new RecordingSubscriber());
            final Recipients next = list.add(subscribers.get(i), ++sequence);
            if (next != list)
            {
                copied += list.live();
            }
            list = next;
            lists.put(list, Boolean.TRUE);
        }
        assertEquals(n, list.live());
        assertTrue(lists.size() <= 16, "lists while adding: " + lists.size());
        assertTrue(copied <= 2L * n, "entries copied while adding: " + copied);

        lists.clear();
        copied = 0;
        for (int i = 0; i < n; i++)
        {
            final Recipients next = list.remove(subscribers.get(i), ++sequence);
            if (next != list && next != Recipients.NONE)
            {
                copied += next.live();
            }
            list = next;
            lists.put(list, Boolean.TRUE);
        }
        assertSame(Recipients.NONE, list);
        assertTrue(lists.size() <= 16, "lists while removing: " + lists.size());
        assertTrue(copied <= n, "entries copied while removing: " + copied);
    }

    private static List<Subscriber> seen(final Recipients list, final long sequence)
    {
        final List<Subscriber> seen = new ArrayList<>();
        for (int i = 0; i < list.end(); i++)
        {
            final Subscriber s = list.at(i, sequence);
            if (s != null)
            {
                seen.add(s);
            }
        }
        return seen;
    }
}
