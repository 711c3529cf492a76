package io.pulsarproxy.pipeline;

/**
 * Benchmark access to the route stage's {@link TopicTable}, which is package-private: lives in the jmh module only,
 * so that the lookup is measured on the real class rather than on a copy.
 * <p>
 * <b>Note:</b> single threaded, like the route stage.
 */
public final class JmhTopicTable
{
    private final TopicTable table;

    /**
     * Creates an empty table without history.
     *
     * @param maxTopics the most topics it holds.
     */
    public JmhTopicTable(final int maxTopics)
    {
        this.table = new TopicTable(maxTopics, 0, 0, "jmh");
    }

    /**
     * Finds a topic or creates it, as route does for a message.
     *
     * @param name   bytes of the name.
     * @param offset where it starts.
     * @param length its length.
     * @param hash   {@link TopicHash#hash} of the name.
     * @return the topic, or null when the table is full.
     */
    public TopicState findOrCreate(final byte[] name, final int offset, final int length, final long hash)
    {
        return table.findOrCreate(name, offset, length, hash);
    }

    /**
     * Finds a topic.
     *
     * @param name   bytes of the name.
     * @param offset where it starts.
     * @param length its length.
     * @param hash   {@link TopicHash#hash} of the name.
     * @return the topic, or null.
     */
    public TopicState find(final byte[] name, final int offset, final int length, final long hash)
    {
        return table.find(name, offset, length, hash);
    }
}
