// Writes the engine's scattering features (J = 2, L = 8) of Fashion-MNIST images shifted by (dx, dy)
// pixels (zero fill), for tta.py: does averaging a model's predictions over shifted copies (test-time
// augmentation, free post-processing) help the linear model? A research aid, not part of the build.
// Classpath as in ExportScattering.java; the indices file is sweep.py's validation split (one index
// per line; "all" for every image):
//   java -cp $CP:/tmp/export ExportShifted train-images-idx3-ubyte.gz val.txt 1 0 val_1_0.f32
import java.io.*;
import java.nio.*;
import java.nio.channels.FileChannel;
import java.nio.file.*;
import java.util.*;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;
import org.sparkdpsgd.model.*;

public class ExportShifted {
  public static void main(String[] a) throws Exception {
    float[] x;
    int n;
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(new GZIPInputStream(new FileInputStream(a[0]))))) {
      in.readInt(); n = in.readInt(); in.readInt(); in.readInt();
      x = new float[n * 784];
      for (int i = 0; i < x.length; i++) x[i] = in.readUnsignedByte() / 255f;
    }
    int[] idx = a[1].equals("all") ? IntStream.range(0, n).toArray()
        : Files.readAllLines(Paths.get(a[1])).stream().mapToInt(Integer::parseInt).toArray();
    int dx = Integer.parseInt(a[2]), dy = Integer.parseInt(a[3]);
    int m = idx.length;
    float[] shifted = new float[m * 784];
    for (int k = 0; k < m; k++)
      for (int r = 0; r < 28; r++)
        for (int c = 0; c < 28; c++) {
          int r0 = r - dy, c0 = c - dx;
          if (r0 >= 0 && r0 < 28 && c0 >= 0 && c0 < 28) shifted[k * 784 + r * 28 + c] = x[idx[k] * 784 + r0 * 28 + c0];
        }
    ModelSpec spec = new ModelSpec(new Shape(1, 28, 28), List.of(new LayerSpec.Scattering(2, 8)), 10);
    FixedFeatures ff = new FixedFeatures(spec);
    int d = ff.outputDim(), block = 500;
    float[] out = new float[m * d];
    IntStream.range(0, (m + block - 1) / block).parallel().forEach(b -> {
      int lo = b * block, hi = Math.min(m, lo + block);
      float[] f = ff.apply(Arrays.copyOfRange(shifted, lo * 784, hi * 784), hi - lo);
      System.arraycopy(f, 0, out, lo * d, f.length);
    });
    try (FileChannel ch = FileChannel.open(Paths.get(a[4]), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer bb = ByteBuffer.allocate(out.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      bb.asFloatBuffer().put(out);
      ch.write(bb);
    }
    System.out.println(a[4] + " " + m + " x " + d);
  }
}
