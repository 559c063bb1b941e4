package org.sparkdpsgd.privacy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Privacy planning tables: reads rows {@code q,noise_multiplier,steps,delta} (header first) and
 * writes {@code q,noise_multiplier,steps,delta,epsilon_rdp,best_order[,epsilon_pld]}, in order.
 */
public final class PrivacyTable {
  private PrivacyTable() {}

  public static void process(Reader csvIn, Writer csvOut, boolean withPld) {
    BufferedReader in = new BufferedReader(csvIn);
    PrintWriter out = new PrintWriter(csvOut);
    try {
      String header = in.readLine();
      if (header == null) {
        throw new InvalidInputException(
            "privacy table: empty input; expected header q,noise_multiplier,steps,delta");
      }
      out.println(
          "q,noise_multiplier,steps,delta,epsilon_rdp,best_order"
              + (withPld ? ",epsilon_pld" : ""));
      String line;
      int lineNo = 1;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        String[] f = line.split(",", -1);
        if (f.length != 4) {
          throw new InvalidInputException(
              "privacy table line "
                  + lineNo
                  + ": expected 4 values q,noise_multiplier,steps,delta; provided: "
                  + line);
        }
        double q = number(f[0], "q", lineNo);
        double sigma = number(f[1], "noise_multiplier", lineNo);
        long steps = (long) number(f[2], "steps", lineNo);
        double delta = number(f[3], "delta", lineNo);
        try {
          PoissonSampledEvent step = new PoissonSampledEvent(q, new GaussianEvent(sigma));
          RdpAccountant rdp = new RdpAccountant();
          rdp.compose(step, Math.toIntExact(steps));
          EpsilonAndOrder e = rdp.getEpsilonAndOptimalOrder(delta);
          StringBuilder row = new StringBuilder();
          row.append(f[0].trim())
              .append(',')
              .append(f[1].trim())
              .append(',')
              .append(f[2].trim())
              .append(',')
              .append(f[3].trim())
              .append(',')
              .append(e.epsilon())
              .append(',')
              .append(e.order());
          if (withPld) {
            row.append(',')
                .append(
                    AccountantKind.PLD
                        .create()
                        .compose(step, Math.toIntExact(steps))
                        .getEpsilon(delta));
          }
          out.println(row);
        } catch (InvalidInputException | ArithmeticException e) {
          throw new InvalidInputException(
              "privacy table line " + lineNo + ": " + e.getMessage(), e);
        }
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double number(String s, String name, int lineNo) {
    try {
      return Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      throw new InvalidInputException(
          "privacy table line " + lineNo + ": " + name + " is not a number; provided value: " + s);
    }
  }
}
