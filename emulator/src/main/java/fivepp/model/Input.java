package fivepp.model;

/**
 * One part of a layer's input: {@code channels} channels taken from the output of layer
 * {@code from} ({@link Network#INPUT} for the image), starting at channel {@code firstChannel} of
 * that output. A layer's input is the concatenation of its inputs in order.
 */
public record Input(String from, int firstChannel, int channels) {}
