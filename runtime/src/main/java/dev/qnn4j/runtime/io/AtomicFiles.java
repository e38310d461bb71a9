package dev.qnn4j.runtime.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Writes files so that readers only ever see the old content or the complete new content.
 *
 * <p>A training run that is killed while saving a checkpoint must not leave a truncated file that a
 * later run would try to load. The body therefore writes to a hidden temporary file in the target's
 * directory (same file system, so the final rename is atomic), which is fsynced and then renamed
 * over the target. On any failure the temporary file is deleted and the target is left untouched.
 */
public final class AtomicFiles {

  /** Like {@link java.util.function.Consumer}, but allowed to throw {@link IOException}. */
  @FunctionalInterface
  public interface IOConsumer<T> {
    void accept(T value) throws IOException;
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private AtomicFiles() {}

  /**
   * Atomically replaces (or creates) {@code target} with the bytes {@code body} writes.
   *
   * <p>The stream given to {@code body} is buffered; {@code body} need not flush or close it
   * (closing it is harmless).
   *
   * @throws IOException if the directory is missing or not writable, or writing fails (e.g. the
   *     disk is full), with a one-line message naming the path; or whatever unchecked exception
   *     {@code body} throws. No temporary file is left behind
   */
  public static void write(Path target, IOConsumer<OutputStream> body) throws IOException {
    Path absolute = target.toAbsolutePath().normalize();
    Path dir = absolute.getParent();
    if (dir == null || absolute.getFileName() == null) {
      throw new IOException("cannot write " + target + ": not a file path");
    }
    if (!Files.isDirectory(dir)) {
      throw new IOException("cannot write " + target + ": directory " + dir + " does not exist");
    }
    if (Files.isDirectory(absolute)) {
      throw new IOException("cannot write " + target + ": it is a directory");
    }

    Path temp = createTempFile(dir, absolute.getFileName().toString(), target);
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        OutputStream buffered =
            new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        body.accept(new CloseShieldOutputStream(buffered));
        buffered.flush();
        // Data must be on disk before the rename makes it visible, or a crash could expose an
        // empty or partial file under the final name.
        channel.force(true);
      }
      Files.move(
          temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (Throwable t) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException deleteFailure) {
        t.addSuppressed(deleteFailure);
      }
      // A format error comes from a file the body reads, not from this write: passed on as it is.
      if (t instanceof IOException e
          && !(t instanceof FileSystemException)
          && !(t instanceof Qnn4jFormatException)) {
        // e.g. "No space left on device" from a write or the fsync, which names no file.
        throw new IOException("cannot write " + target + ": " + e.getMessage(), e);
      }
      throw t;
    }
    syncDirectory(dir);
  }

  /**
   * Deletes the temporary files ({@code .<name>.<random>.tmp}) that writes of {@code target} left
   * in its directory when their process was killed (SIGKILL, power loss) before it could remove
   * them. The target itself is never touched. Only call this while no other process is writing
   * {@code target}: its temporary file would go too, and its write fail.
   *
   * @return how many files were deleted (0 if the directory does not exist)
   */
  public static int deleteLeftovers(Path target) throws IOException {
    Path absolute = target.toAbsolutePath().normalize();
    Path dir = absolute.getParent();
    if (dir == null || absolute.getFileName() == null || !Files.isDirectory(dir)) {
      return 0;
    }
    String name = absolute.getFileName().toString();
    String prefix = "." + name + ".";
    int deleted = 0;
    DirectoryStream.Filter<Path> leftover =
        p -> {
          String f = p.getFileName().toString();
          return f.length() == prefix.length() + 12 + 4
              && f.startsWith(prefix)
              && f.endsWith(".tmp")
              && f.substring(prefix.length(), prefix.length() + 12).matches("[0-9a-f]{12}");
        };
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, leftover)) {
      for (Path p : entries) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(p)) {
          deleted++;
        }
      }
    }
    return deleted;
  }

  /**
   * Creates {@code .<name>.<random>.tmp} with default permissions. (Files.createTempFile would make
   * it owner-only, and the rename would carry those permissions over to the final file.)
   */
  private static Path createTempFile(Path dir, String name, Path target) throws IOException {
    for (int attempt = 0; ; attempt++) {
      byte[] suffix = new byte[6];
      RANDOM.nextBytes(suffix);
      Path temp = dir.resolve("." + name + "." + HexFormat.of().formatHex(suffix) + ".tmp");
      try {
        return Files.createFile(temp);
      } catch (FileAlreadyExistsException e) {
        if (attempt >= 10) {
          throw e;
        }
      } catch (AccessDeniedException e) {
        throw new IOException(
            "cannot write " + target + ": directory " + dir + " is not writable", e);
      } catch (FileSystemException e) {
        // e.g. a read-only file system; the reason is the OS's one-line description.
        String reason =
            e.getReason() != null
                ? e.getReason()
                : e instanceof NoSuchFileException
                    ? "No such file or directory"
                    : e.getClass().getSimpleName();
        throw new IOException(
            "cannot write "
                + target
                + ": cannot create a file in directory "
                + dir
                + " ("
                + reason
                + ")",
            e);
      }
    }
  }

  /**
   * Makes the rename itself durable. Best effort: not every platform can open a directory as a
   * channel, and the data is already safe either way.
   */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // The file content is synced; at worst a crash right now keeps the previous version.
    }
  }

  /** Lets the body close its stream without closing the channel we still have to fsync. */
  private static final class CloseShieldOutputStream extends FilterOutputStream {
    CloseShieldOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len); // FilterOutputStream would write byte by byte
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
