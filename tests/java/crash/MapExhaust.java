package crash;

import java.io.FileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.lang.ref.Reference;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a JVM into the machine's vm.max_map_count, as a Kafka broker does, without changing it.
 *
 * <p>java [-Dcrash.mode=commit|log] crash.MapExhaust INDEX_FILE SERVER_LOG
 *
 * <p>Maps the first 4 KiB of INDEX_FILE again and again (each mapping is one map area, as each
 * index is for a broker) until the kernel refuses the mmap. The JDK then throws what Kafka logs
 * when an index roll fails (IOException "Map failed" caused by OutOfMemoryError "Map failed");
 * it is written to SERVER_LOG in log4j's layout. Then, with every mapping still held:
 * mode=log exits as Kafka halts when all its log dirs failed; mode=commit (default) grows the
 * heap, so the JVM itself must commit memory at the limit and dies writing its hs_err file.
 */
public final class MapExhaust {
    private static final int PAGE = 4096;
    private static final DateTimeFormatter LOG4J = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");

    private MapExhaust() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: crash.MapExhaust INDEX_FILE SERVER_LOG");
            System.exit(2);
        }
        String mode = System.getProperty("crash.mode", "commit");
        List<MappedByteBuffer> held = new ArrayList<>(70_000);
        // Load the logging code now: at the limit, loading a class is itself a commit that fails.
        log(new PrintWriter(new StringWriter()), 0, new IOException("warm-up", new OutOfMemoryError()));
        PrintWriter serverLog = new PrintWriter(new FileWriter(args[1], true));
        try (RandomAccessFile raf = new RandomAccessFile(args[0], "rw")) {
            raf.setLength(PAGE);
            FileChannel channel = raf.getChannel();
            try {
                while (true) {
                    held.add(channel.map(FileChannel.MapMode.READ_WRITE, 0, PAGE));
                }
            } catch (IOException e) {
                log(serverLog, held.size(), e);
                serverLog.close();
            }
        }
        System.out.println("mapped=" + held.size());
        System.out.flush();
        if (mode.equals("log")) {
            Runtime.getRuntime().halt(1);
        }
        // Heap growth commits reserved memory: a new mmap the kernel refuses at the limit.
        List<long[]> heap = new ArrayList<>();
        while (true) {
            heap.add(new long[1 << 20]);
            Reference.reachabilityFence(held);
        }
    }

    private static void log(PrintWriter out, int mapped, IOException e) {
        out.printf("[%s] ERROR Error while rolling log segment for vmtune-0 after %d maps"
                + " (kafka.log.LocalLog)%n", LocalDateTime.now().format(LOG4J), mapped);
        e.printStackTrace(out);
        out.flush();
    }
}
