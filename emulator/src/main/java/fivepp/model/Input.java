package fivepp.model;

import java.util.ArrayList;
import java.util.List;

/**
 * One part of a layer's input: {@code channels} channels taken from the output of layer
 * {@code from} ({@link Network#INPUT} for the image), starting at channel {@code firstChannel} of
 * that output. A layer's input is the concatenation of its inputs in order.
 */
public record Input(String from, int firstChannel, int channels) {

  /** {@code parts} with consecutive channels of one producer merged into one part. */
  public static List<Input> merged(List<Input> parts) {
    List<Input> r = new ArrayList<>();
    for (Input in : parts) {
      Input last = r.isEmpty() ? null : r.get(r.size() - 1);
      if (last != null && last.from().equals(in.from())
          && last.firstChannel() + last.channels() == in.firstChannel()) {
        r.set(r.size() - 1, new Input(last.from(), last.firstChannel(), last.channels() + in.channels()));
      } else {
        r.add(in);
      }
    }
    return r;
  }
}
