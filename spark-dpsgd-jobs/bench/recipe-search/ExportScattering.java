// Writes the engine's scattering features (J = 2, L = 8: 81 maps of 7 x 7, before the groupnorm)
// of the Fashion-MNIST training and test images to target/recipe-search/{train,t10k}.f32, little-endian
// float32, image-major, for sweep.py; with the argument 1, the J = 1 features (9 maps of 14 x 14)
// to {train,t10k}-j1.f32 for sweep.py --j1. A research aid, not part of the build. From the checkout:
//   mvn -B -q dependency:build-classpath -pl spark-dpsgd-core -Dmdep.outputFile=/tmp/cp.txt
//   CP=$(cat /tmp/cp.txt):spark-dpsgd-core/target/classes
//   javac -cp $CP -d /tmp/export spark-dpsgd-jobs/bench/recipe-search/ExportScattering.java
//   java -cp $CP:/tmp/export ExportScattering
import java.io.*;
import java.nio.*;
import java.nio.channels.FileChannel;
import java.nio.file.*;
import java.util.*;
import java.util.zip.GZIPInputStream;
import org.sparkdpsgd.model.*;

public class ExportScattering {
  static float[] images(String f, int[] n) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(new GZIPInputStream(new FileInputStream(f))))) {
      in.readInt(); int c = in.readInt(); int h = in.readInt(); int w = in.readInt();
      n[0] = c; float[] x = new float[c * h * w];
      for (int i = 0; i < x.length; i++) x[i] = in.readUnsignedByte() / 255f;
      return x;
    }
  }
  public static void main(String[] a) throws Exception {
    String dir = "/usr/share/datasets/fashion-mnist/";
    Files.createDirectories(Paths.get("target/recipe-search"));
    int scales = a.length > 0 ? Integer.parseInt(a[0]) : 2;
    String suffix = scales == 2 ? "" : "-j" + scales;
    ModelSpec spec = new ModelSpec(new Shape(1, 28, 28), List.of(new LayerSpec.Scattering(scales, 8)), 10);
    FixedFeatures ff = new FixedFeatures(spec);
    for (String part : new String[] {"t10k", "train"}) {
      int[] n = new int[1];
      float[] x = images(dir + part + "-images-idx3-ubyte.gz", n);
      int d = ff.outputDim();
      float[] out = new float[n[0] * d];
      int block = 500;
      java.util.stream.IntStream.range(0, n[0] / block).parallel().forEach(b -> {
        float[] rows = Arrays.copyOfRange(x, b * block * 784, (b + 1) * block * 784);
        float[] f = ff.apply(rows, block);
        System.arraycopy(f, 0, out, b * block * d, f.length);
      });
      try (FileChannel ch = FileChannel.open(Paths.get("target/recipe-search/" + part + suffix + ".f32"), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer bb = ByteBuffer.allocate(out.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(out); ch.write(bb);
      }
      System.out.println(part + " " + n[0] + " x " + d);
    }
  }
}
