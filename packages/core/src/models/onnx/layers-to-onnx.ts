// A TF.js layers model (our backbones and classifiers, BatchNorm folded) as an ONNX graph, built from
// the same layer graph and weights, written with onnx-proto's protobufjs classes (opset 17, dynamic
// batch). The graph takes the model's input as it is (NHWC, the preprocessed image batch), transposes
// once to NCHW — ONNX's convolution layout — and runs every layer there.

import type { LayersModel } from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const ONNX_OPSET = 17;
export const ONNX_INPUT = 'input';

export class OnnxExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxExportError';
  }
}

export interface OnnxExportOptions {
  /** The graph's output name (default "output"). */
  outputName?: string;
  /**
   * Classifiers: end with the calibrated probability sigmoid(logit / temperature) instead of the logit,
   * so a deployed model needs no code of ours.
   */
  calibratedProbability?: { temperature: number };
  /** Recorded in the model's metadata (e.g. preprocessing, class names, threshold). */
  metadata?: Record<string, string>;
}

interface LayerLike {
  name: string;
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  getWeights(): { shape: number[]; dataSync(): Float32Array | Int32Array | Uint8Array }[];
  inboundNodes: { inboundLayers: { name: string }[] }[];
}

/** What the graph builder keeps per value: its name and rank (2 = [N, C], 4 = NCHW). */
interface Value {
  name: string;
  rank: number;
}

class GraphBuilder {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private counter = 0;

  fresh(base: string): string {
    return `${base}__${this.counter++}`;
  }

  node(op: string, inputs: string[], output: string, attributes: Record<string, number | number[] | string> = {}): string {
    const attribute = Object.entries(attributes).map(([name, value]) => {
      if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) });
      if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: value });
      return Number.isInteger(value)
        ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value })
        : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value });
    });
    this.nodes.push(onnx.NodeProto.create({ opType: op, input: inputs, output: [output], name: output, attribute }));
    return output;
  }

  floats(name: string, dims: number[], data: Float32Array): string {
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push(onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes }));
    return name;
  }

  int64s(name: string, values: number[]): string {
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push(
      onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(data.buffer) }),
    );
    return name;
  }

  scalar(name: string, value: number): string {
    return this.floats(name, [], new Float32Array([value]));
  }
}

/** HWIO (TF.js conv kernel) → OIHW (ONNX). */
function convKernel(data: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = data[((y * kw + x) * cin + i) * cout + o] as number;
  return out;
}

/** [kh, kw, in, multiplier] (TF.js depthwise kernel) → [in·multiplier, 1, kh, kw], output channel i·m + j as TF orders them. */
function depthwiseKernel(data: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, cin, mult] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++) for (let m = 0; m < mult; m++) out[((i * mult + m) * kh + y) * kw + x] = data[((y * kw + x) * cin + i) * mult + m] as number;
  return out;
}

const pair = (v: unknown, fallback: number): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : typeof v === 'number' ? [v, v] : [fallback, fallback]);

/** TF's 'same' puts the odd pixel of padding at the end, as ONNX's SAME_UPPER does. */
const padAttr = (padding: unknown): Record<string, number[] | string> => (padding === 'same' ? { auto_pad: 'SAME_UPPER' } : { pads: [0, 0, 0, 0] });

function activation(g: GraphBuilder, kind: string, x: string, out: string, where: string): string {
  switch (kind) {
    case 'linear':
      return g.node('Identity', [x], out);
    case 'relu':
      return g.node('Relu', [x], out);
    case 'relu6':
      return g.node('Clip', [x, g.scalar(g.fresh('zero'), 0), g.scalar(g.fresh('six'), 6)], out);
    case 'sigmoid':
      return g.node('Sigmoid', [x], out);
    case 'tanh':
      return g.node('Tanh', [x], out);
    case 'swish':
      return g.node('Mul', [x, g.node('Sigmoid', [x], g.fresh(`${out}_sigmoid`))], out);
    default:
      throw new OnnxExportError(`${where}: activation "${kind}" has no ONNX translation here`);
  }
}

/** Emits one layer; returns its output value. */
function emitLayer(g: GraphBuilder, layer: LayerLike, inputs: Value[]): Value {
  const cls = layer.getClassName();
  const cfg = layer.getConfig();
  const where = `layer ${layer.name} (${cls})`;
  const x = inputs[0] as Value;
  const weights = (): Float32Array[] => layer.getWeights().map((w) => Float32Array.from(w.dataSync()));
  const shapes = (): number[][] => layer.getWeights().map((w) => w.shape);
  const act = (value: string): Value => {
    const kind = typeof cfg.activation === 'string' ? cfg.activation : 'linear';
    return { name: kind === 'linear' ? g.node('Identity', [value], layer.name) : activation(g, kind, value, layer.name, where), rank: 4 };
  };
  switch (cls) {
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      const [kernel, bias] = weights();
      const [shape] = shapes();
      const depthwise = cls === 'DepthwiseConv2D';
      const [kh, kw, cin, last] = shape as [number, number, number, number];
      const channels = depthwise ? cin * last : last;
      const w = g.floats(`${layer.name}/W`, depthwise ? [channels, 1, kh, kw] : [last, cin, kh, kw], depthwise ? depthwiseKernel(kernel as Float32Array, shape as number[]) : convKernel(kernel as Float32Array, shape as number[]));
      const conv = [x.name, w, ...(bias ? [g.floats(`${layer.name}/B`, [channels], bias)] : [])];
      const out = g.node('Conv', conv, g.fresh(`${layer.name}_conv`), {
        kernel_shape: [kh, kw],
        strides: pair(cfg.strides, 1),
        dilations: pair(cfg.dilationRate, 1),
        group: depthwise ? cin : 1,
        ...padAttr(cfg.padding),
      });
      return act(out);
    }
    case 'Dense': {
      if (x.rank !== 2) throw new OnnxExportError(`${where}: a Dense layer on a rank-${x.rank} input has no translation here`);
      const [kernel, bias] = weights();
      const [[cin, cout]] = shapes() as [[number, number]];
      const inputs2 = [x.name, g.floats(`${layer.name}/W`, [cin, cout], kernel as Float32Array), ...(bias ? [g.floats(`${layer.name}/B`, [cout], bias)] : [])];
      const out = g.node('Gemm', inputs2, g.fresh(`${layer.name}_gemm`));
      const kind = typeof cfg.activation === 'string' ? cfg.activation : 'linear';
      return { name: activation(g, kind, out, layer.name, where), rank: 2 };
    }
    case 'ReLU': {
      if (cfg.negativeSlope || cfg.threshold) throw new OnnxExportError(`${where}: ReLU with a negative slope or threshold has no translation here`);
      const max = typeof cfg.maxValue === 'number' ? cfg.maxValue : null;
      const out = max === null ? g.node('Relu', [x.name], layer.name) : g.node('Clip', [x.name, g.scalar(g.fresh('zero'), 0), g.scalar(g.fresh('max'), max)], layer.name);
      return { name: out, rank: x.rank };
    }
    case 'Activation':
      return { name: activation(g, String(cfg.activation), x.name, layer.name, where), rank: x.rank };
    case 'ZeroPadding2D': {
      const [[top, bottom], [left, right]] = (Array.isArray(cfg.padding) ? cfg.padding : [[cfg.padding, cfg.padding], [cfg.padding, cfg.padding]]) as [[number, number], [number, number]];
      return { name: g.node('Pad', [x.name, g.int64s(`${layer.name}/pads`, [0, 0, top, left, 0, 0, bottom, right])], layer.name), rank: 4 };
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const op = cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool';
      const size = pair(cfg.poolSize, 2);
      return { name: g.node(op, [x.name], layer.name, { kernel_shape: size, strides: pair(cfg.strides ?? cfg.poolSize, size[0]), ...padAttr(cfg.padding) }), rank: 4 };
    }
    case 'GlobalAveragePooling2D': {
      const pooled = g.node('GlobalAveragePool', [x.name], cfg.keepDims ? layer.name : g.fresh(`${layer.name}_pool`));
      return cfg.keepDims ? { name: pooled, rank: 4 } : { name: g.node('Flatten', [pooled], layer.name, { axis: 1 }), rank: 2 };
    }
    case 'Add':
      return { name: g.node('Sum', inputs.map((v) => v.name), layer.name), rank: x.rank };
    case 'Multiply': {
      let acc = x.name;
      for (const [i, v] of inputs.slice(1).entries()) acc = g.node('Mul', [acc, v.name], i === inputs.length - 2 ? layer.name : g.fresh(`${layer.name}_mul`));
      return { name: acc, rank: Math.max(...inputs.map((v) => v.rank)) };
    }
    case 'Dropout':
      return { name: g.node('Identity', [x.name], layer.name), rank: x.rank };
    case 'Flatten': {
      // TF.js flattens NHWC: go back to that order first so the features line up with a following Dense.
      const source = x.rank === 4 ? g.node('Transpose', [x.name], g.fresh(`${layer.name}_nhwc`), { perm: [0, 2, 3, 1] }) : x.name;
      return { name: g.node('Flatten', [source], layer.name, { axis: 1 }), rank: 2 };
    }
    default:
      throw new OnnxExportError(`${where} has no ONNX translation here (supported: Conv2D, DepthwiseConv2D, Dense, ReLU, Activation, ZeroPadding2D, Max/AveragePooling2D, GlobalAveragePooling2D, Add, Multiply, Dropout, Flatten)`);
  }
}

/** The ONNX model (serialised ModelProto) computing what `model.predict` computes. */
export function layersModelToOnnx(model: LayersModel, options: OnnxExportOptions = {}): Uint8Array {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new OnnxExportError(`only single-input, single-output models are exported (got ${model.inputs.length} → ${model.outputs.length})`);
  const inputShape = model.inputs[0]?.shape ?? [];
  if (inputShape.length !== 4) throw new OnnxExportError(`expected an image input [batch, height, width, channels], got [${inputShape.join(', ')}]`);
  const g = new GraphBuilder();
  const values = new Map<string, Value>();
  const inputLayer = (model.inputLayers[0] as unknown as LayerLike).name;
  values.set(inputLayer, { name: g.node('Transpose', [ONNX_INPUT], g.fresh('input_nchw'), { perm: [0, 3, 1, 2] }), rank: 4 });
  for (const layer of model.layers as unknown as LayerLike[]) {
    if (layer.getClassName() === 'InputLayer') continue;
    const node = layer.inboundNodes[0];
    if (!node || layer.inboundNodes.length !== 1) throw new OnnxExportError(`layer ${layer.name} is used ${layer.inboundNodes.length} times; shared layers are not exported`);
    const inputs = node.inboundLayers.map((l) => {
      const v = values.get(l.name);
      if (!v) throw new OnnxExportError(`layer ${layer.name}: its input ${l.name} comes later in the layer list`);
      return v;
    });
    values.set(layer.name, emitLayer(g, layer, inputs));
  }
  const outputLayer = model.outputs[0]?.sourceLayer.name as string;
  let out = values.get(outputLayer) as Value;
  const outputName = options.outputName ?? 'output';
  if (out.rank === 4) out = { name: g.node('Transpose', [out.name], g.fresh('output_nhwc'), { perm: [0, 2, 3, 1] }), rank: 4 };
  if (options.calibratedProbability) {
    const scaled = g.node('Div', [out.name, g.scalar('temperature', options.calibratedProbability.temperature)], g.fresh('logit_over_t'));
    g.node('Sigmoid', [scaled], outputName);
  } else {
    g.node('Identity', [out.name], outputName);
  }
  const outputShape = model.outputs[0]?.shape ?? [];
  const dims = (shape: (number | null)[]): InstanceType<typeof onnx.TensorShapeProto.Dimension>[] =>
    shape.map((d) => (d === null || d === undefined ? onnx.TensorShapeProto.Dimension.create({ dimParam: 'batch' }) : onnx.TensorShapeProto.Dimension.create({ dimValue: d })));
  const valueInfo = (name: string, shape: (number | null)[]): InstanceType<typeof onnx.ValueInfoProto> =>
    onnx.ValueInfoProto.create({
      name,
      type: onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType: onnx.TensorProto.DataType.FLOAT, shape: onnx.TensorShapeProto.create({ dim: dims(shape) }) }) }),
    });
  const graph = onnx.GraphProto.create({
    name: model.name,
    node: g.nodes,
    initializer: g.initializers,
    input: [valueInfo(ONNX_INPUT, inputShape)],
    output: [valueInfo(outputName, outputShape)],
  });
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: ONNX_OPSET })],
    producerName: 'neuro-ssl',
    graph,
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value })),
  });
  return onnx.ModelProto.encode(proto).finish();
}
