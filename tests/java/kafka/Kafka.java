package kafka;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.lang.ref.Reference;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A fake Kafka broker for tests: main class kafka.Kafka, maps log-segment indexes the way
 * Kafka's AbstractIndex does, and nothing else. Real Kafka cannot be installed here.
 *
 * <p>java [-Dvmtune.create=N] [-Dvmtune.remap=K] [-Dvmtune.threads=T] -cp libs/* kafka.Kafka
 * server.properties
 */
public final class Kafka {
    private static final int FILES_PER_DIR = 1000;
    private static final int PREALLOCATED = 4096;

    private Kafka() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: kafka.Kafka server.properties");
            System.exit(2);
        }
        Properties props = new Properties();
        try (InputStream in = new FileInputStream(args[0])) {
            props.load(in);
        }
        String dirsValue = props.getProperty("log.dirs", props.getProperty("log.dir", "/tmp/kafka-logs"));
        List<Path> logDirs = new ArrayList<>();
        for (String dir : dirsValue.split(",")) {
            if (!dir.isBlank()) {
                logDirs.add(Path.of(dir.trim()));
            }
        }
        int create = Integer.getInteger("vmtune.create", 0);
        int remap = Integer.getInteger("vmtune.remap", 0);
        int threads = Integer.getInteger("vmtune.threads", 0);

        if (create > 0) {
            createIndexes(logDirs.get(0), create);
        }
        List<Path> indexes = new ArrayList<>();
        for (Path dir : logDirs) {
            indexes.addAll(nonEmptyIndexes(dir));
        }
        // Held so the mappings stay alive, as a broker's live segments hold theirs.
        List<MappedByteBuffer> held = new ArrayList<>(indexes.size() + remap);
        for (Path index : indexes) {
            held.add(map(index));
        }
        // The resize leak (KAFKA-19390): a second mapping of the same file, old one not unmapped.
        int remapped = Math.min(remap, indexes.size());
        for (int i = 0; i < remapped; i++) {
            held.add(map(indexes.get(i)));
        }
        for (int i = 0; i < threads; i++) {
            Thread idle = new Thread(Kafka::idle, "vmtune-idle-" + i);
            idle.start();
        }
        System.out.println("mapped=" + indexes.size() + " remapped=" + remapped + " threads=" + threads);
        System.out.println("ready");
        System.out.flush();
        try {
            Thread.sleep(Long.MAX_VALUE);
        } finally {
            Reference.reachabilityFence(held); // the buffers, hence the mappings, live until exit
        }
    }

    /** Topic-partition dirs of up to 1000 non-empty .index files each, 4 KiB preallocated. */
    private static void createIndexes(Path logDir, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            Path partition = logDir.resolve("vmtune-" + (i / FILES_PER_DIR));
            if (i % FILES_PER_DIR == 0) {
                Files.createDirectories(partition);
            }
            Path file = partition.resolve(String.format("%020d.index", (long) (i % FILES_PER_DIR) * 1000));
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(PREALLOCATED);
            }
        }
    }

    private static List<Path> nonEmptyIndexes(Path logDir) throws IOException {
        if (!Files.isDirectory(logDir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(logDir)) {
            return walk.filter(Kafka::isNonEmptyIndex).sorted().collect(Collectors.toList());
        }
    }

    private static boolean isNonEmptyIndex(Path path) {
        String name = path.getFileName().toString();
        try {
            return (name.endsWith(".index") || name.endsWith(".timeindex"))
                    && Files.isRegularFile(path)
                    && Files.size(path) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** As AbstractIndex: RandomAccessFile "rw", map READ_WRITE, channel closed after mapping. */
    private static MappedByteBuffer map(Path index) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(index.toFile(), "rw")) {
            return raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, raf.length());
        }
    }

    private static void idle() {
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
