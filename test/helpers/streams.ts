/**
 * A body of up to `chunks` chunks of 16 KiB, produced only as it is read: `pulled()` tells how far a reader went
 * (a size cap must stop reading early, not after the whole body).
 */
export function countedStream(chunks = 100) {
  const chunk = new TextEncoder().encode('x'.repeat(16_384));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent++ > chunks) c.close();
      else c.enqueue(chunk);
    },
  });
  return { stream, pulled: () => sent };
}
