package fivepp.model;

/**
 * The parameters of one weight layer, batch-norm already folded in.
 *
 * @param weights {@code [outChannels][inChannels/groups][kernelH][kernelW]} flattened (PyTorch's
 *     layout); row r of the crossbar matrix of group g is {@code (ci, ky, kx)} with
 *     {@code r = (ci * kernelH + ky) * kernelW + kx}, column {@code co - g * outChannels/groups}
 * @param bias one per output channel (zeros for a layer without bias and without folded BN)
 * @param inScale per input channel, the folded pre-activation batch-norm scale (null unless the
 *     layer has an input activation); the digital unit computes {@code act(x * inScale + inShift)}
 * @param inShift per input channel, the folded pre-activation shift (null likewise)
 */
public record LayerWeights(float[] weights, float[] bias, float[] inScale, float[] inShift) {}
