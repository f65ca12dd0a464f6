package fivepp.model;

/** Element-wise activations the digital unit of a core applies. */
public enum Activation {
  NONE, RELU, RELU6
}
