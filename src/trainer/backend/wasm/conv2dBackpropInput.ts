// Conv2DBackpropInput for the wasm backend (also what conv2dTranspose runs). The wasm
// backend ships one, but it is a plain loop nest about ten times slower than its forward
// convolution (measured: 3–4 GFLOP/s against 27–35 at U-Net shapes), so the input
// gradient would dominate a training step.
//
// This one is a single XNNPACK forward convolution: dy convolved with the spatially
// flipped, in/out-transposed filter. For stride s > 1 the usual formulation convolves a
// zero-dilated dy, wasting s² - 1 of every s² multiplications; instead the filter is split
// into its s×s sub-pixel phases (see SubPixelAxis), stacked on output channels, and the
// phases are interleaved back into dx afterwards.
import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { cropAndPad, requireChannelsLast, subPixelAxis, type ConvGeometry } from './convGeometry';
import { conv2dWithUnpackedWeights, prefersUnpackedWeights } from './conv2dUnpackedWeights';
import { interleavePhases, writePhaseFilter, writePhaseWeightRows, type PhaseFilterShape } from './layoutLoops';
import { withWasmKernelScope } from './wasmKernelScope';

function conv2dBackpropInput(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Conv2DBackpropInputAttrs;
  requireChannelsLast(Conv2DBackpropInput, dataFormat);
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [batch, inHeight, inWidth, inChannels] = inputShape;
  const rows = subPixelAxis(inHeight, info.filterHeight, info.strideHeight, info.padInfo.top, info.outHeight);
  const cols = subPixelAxis(inWidth, info.filterWidth, info.strideWidth, info.padInfo.left, info.outWidth);
  const rowPad = cropAndPad(rows.padBefore, rows.padAfter);
  const colPad = cropAndPad(cols.padBefore, cols.padAfter);

  const [filterHeight, filterWidth] = filter.shape as [number, number];
  const phaseFilter: PhaseFilterShape = {
    filterHeight,
    filterWidth,
    inChannels,
    outChannels: info.outChannels,
    tapsH: rows.taps,
    tapsW: cols.taps,
    strideH: rows.stride,
    strideW: cols.stride,
  };
  const sourceHeight = info.outHeight - rowPad.cropBefore - rowPad.cropAfter;
  const sourceWidth = info.outWidth - colPad.cropBefore - colPad.cropAfter;
  const phaseConv: ConvGeometry = {
    batch,
    inHeight: sourceHeight,
    inWidth: sourceWidth,
    inChannels: info.outChannels,
    outHeight: rows.phaseLength,
    outWidth: cols.phaseLength,
    outChannels: rows.stride * cols.stride * inChannels,
    filterHeight: rows.taps,
    filterWidth: cols.taps,
    strideH: 1,
    strideW: 1,
    padTop: rowPad.pad[0],
    padLeft: colPad.pad[0],
  };

  return withWasmKernelScope(backend, (k) => {
    const needsCrop = rowPad.cropBefore + rowPad.cropAfter + colPad.cropBefore + colPad.cropAfter > 0;
    const source = needsCrop
      ? k.slice(dy, [0, rowPad.cropBefore, colPad.cropBefore, 0], [batch, sourceHeight, sourceWidth, info.outChannels])
      : dy;
    let phases: TensorInfo;
    if (prefersUnpackedWeights(phaseConv)) {
      phases = conv2dWithUnpackedWeights(k, source, phaseConv, (window, dst) => writePhaseWeightRows(k.heap(filter), phaseFilter, window, dst));
    } else {
      const f = k.alloc([rows.taps, cols.taps, info.outChannels, phaseConv.outChannels]);
      writePhaseFilter(k.heap(filter), phaseFilter, k.heap(f));
      phases = k.conv2d(source, f, { strides: 1, dilations: 1, pad: [[0, 0], rowPad.pad, colPad.pad, [0, 0]] });
    }
    if (rows.stride === 1 && cols.stride === 1) return phases;

    const dx = k.alloc([batch, inHeight, inWidth, inChannels]);
    interleavePhases(
      k.heap(phases),
      {
        batch,
        phaseRows: rows.phaseLength,
        phaseCols: cols.phaseLength,
        strideH: rows.stride,
        strideW: cols.stride,
        channels: inChannels,
        height: inHeight,
        width: inWidth,
        offsetH: rows.offset,
        offsetW: cols.offset,
      },
      k.heap(dx),
    );
    return dx;
  });
}

export const wasmConv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as KernelFunc,
};
