/**
 * A small graph builder over the protobufjs classes of `onnx-proto`. It knows just enough ONNX for the
 * generated test models and the runtime's own helper graphs (device-slice.ts): typed inputs/outputs with
 * symbolic dims, initializers (inline or in an external `<file>.onnx_data`), nodes with attributes, and
 * opset imports. It lives in runtime/ because the runtime builds graphs too and never imports generate/.
 *
 * Weights given to an external-data builder are written to disk at once, so a large model never sits in
 * memory as a whole: only the current tensor does.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>;
type AttributeProto = InstanceType<typeof onnx.AttributeProto>;

export type DataType = 'float32' | 'float16' | 'uint8' | 'int8' | 'int32' | 'int64' | 'bool';
/** A dimension: a fixed size, or a symbolic name such as `batch_size`. */
export type Dim = number | string;
export type TensorValues = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;

const DATA_TYPES: Record<DataType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** The ONNX type code of a data type (for Cast's `to` attribute). */
export function onnxTypeCode(type: DataType): number {
  return DATA_TYPES[type];
}

/** Attribute values are tagged, because JS cannot tell the int 1 from the float 1.0. */
export type Attr =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'float'; value: number }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'string'; value: string };

export const int = (value: number): Attr => ({ kind: 'int', value });
export const ints = (value: readonly number[]): Attr => ({ kind: 'ints', value });
export const float = (value: number): Attr => ({ kind: 'float', value });
export const floats = (value: readonly number[]): Attr => ({ kind: 'floats', value });
export const str = (value: string): Attr => ({ kind: 'string', value });

export const MS_DOMAIN = 'com.microsoft';

export interface NodeOptions {
  attrs?: Record<string, Attr>;
  /** Output names, or how many fresh names to make (default 1). */
  outputs?: readonly string[] | number;
  domain?: string;
}

export interface GraphBuilderOptions {
  /** Graph name stored in the model. */
  name: string;
  /** Default-domain opset; 17 has LayerNormalization and still takes Reduce* axes as attributes. */
  opset?: number;
  /**
   * Where the `.onnx` file will be written. Required with `externalData`, whose data file is named after it
   * (`<file>.onnx_data`) and referenced by that relative name.
   */
  path?: string;
  /** Write initializers of at least `threshold` bytes (default 1024) to `<path>_data`. */
  externalData?: boolean | { threshold?: number };
}

/** Appends tensors to an external data file at aligned offsets. */
class ExternalDataFile {
  readonly location: string;
  private fd: number | null;
  private size = 0;

  constructor(readonly path: string) {
    this.location = basename(path);
    this.fd = openSync(path, 'w');
  }

  append(bytes: Uint8Array): { offset: number; length: number } {
    if (this.fd === null) throw new Error(`external data file ${this.path} is already closed`);
    // Page-aligned offsets let onnxruntime map large tensors straight from the file (as onnx's own writer does).
    const align = bytes.byteLength >= 1 << 20 ? 65536 : 4096;
    const offset = Math.ceil(this.size / align) * align;
    if (offset > this.size) writeSync(this.fd, new Uint8Array(offset - this.size));
    writeSync(this.fd, bytes);
    this.size = offset + bytes.byteLength;
    return { offset, length: bytes.byteLength };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();
  private readonly domains = new Set<string>();
  private readonly dataFile: ExternalDataFile | null;
  private readonly threshold: number;
  private counter = 0;

  constructor(private readonly options: GraphBuilderOptions) {
    if (options.externalData) {
      if (!options.path) throw new Error('GraphBuilder: externalData needs the model path');
      this.dataFile = new ExternalDataFile(`${options.path}_data`);
      this.threshold =
        (typeof options.externalData === 'object' ? options.externalData.threshold : undefined) ?? 1024;
    } else {
      this.dataFile = null;
      this.threshold = Infinity;
    }
  }

  /** A name not used yet in this graph (not reserved: pass it to one method that defines it). */
  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.names.has(name));
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`GraphBuilder: duplicate value name '${name}'`);
    this.names.add(name);
    return name;
  }

  input(name: string, type: DataType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), type, dims));
    return name;
  }

  /** Declares a graph output; `name` must be produced by a node. */
  output(name: string, type: DataType, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** Adds a weight. With external data on, large ones go to the data file now and are not kept. */
  initializer(name: string, type: DataType, dims: readonly number[], values: TensorValues): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (values.length !== count) {
      throw new Error(`GraphBuilder: initializer '${name}' has ${values.length} values for dims [${dims}]`);
    }
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    const tensor = new onnx.TensorProto({
      name: this.claim(name),
      dataType: DATA_TYPES[type],
      dims: [...dims],
    });
    if (this.dataFile && bytes.byteLength >= this.threshold) {
      const { offset, length } = this.dataFile.append(bytes);
      tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      tensor.externalData = [
        { key: 'location', value: this.dataFile.location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ];
    } else {
      // Copy: callers may reuse their buffer for the next tensor.
      tensor.rawData = bytes.slice();
    }
    this.initializers.push(tensor);
    return name;
  }

  /** A small constant, shared between uses with the same value. */
  constant(type: 'float32' | 'int64', dims: readonly number[], values: readonly number[]): string {
    const key = `${type}|${dims.join(',')}|${values.join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const data = type === 'float32' ? Float32Array.from(values) : BigInt64Array.from(values.map(BigInt));
    const name = this.initializer(this.fresh('const'), type, dims, data);
    this.constants.set(key, name);
    return name;
  }

  /** int64 1-D constant, the usual shape/axes operand. */
  i64(values: readonly number[]): string {
    return this.constant('int64', [values.length], values);
  }

  /** float32 scalar constant. */
  f32(value: number): string {
    return this.constant('float32', [], [value]);
  }

  /** Adds a node and returns its output names. An empty input name means an omitted optional input. */
  node(opType: string, inputs: readonly string[], options: NodeOptions = {}): string[] {
    const { attrs = {}, outputs = 1, domain = '' } = options;
    const outNames =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, () => this.claim(this.fresh(opType.toLowerCase())))
        : outputs.map((o) => this.claim(o));
    if (domain) this.domains.add(domain);
    this.nodes.push(
      new onnx.NodeProto({
        opType,
        domain,
        name: this.fresh(`${opType}_node`),
        input: [...inputs],
        output: outNames,
        attribute: Object.entries(attrs).map(([name, attr]) => attribute(name, attr)),
      }),
    );
    return outNames;
  }

  /** Single-output node; `output` names the result (for graph outputs). */
  op(opType: string, inputs: readonly string[], attrs?: Record<string, Attr>, output?: string): string {
    const [out] = this.node(opType, inputs, { attrs, outputs: output ? [output] : 1 });
    return out as string;
  }

  /** Closes the external data file (also done by toBytes/save); for abandoning a build half-way. */
  close(): void {
    this.dataFile?.close();
  }

  /** Serialises the model. Call once; it closes the external data file. */
  toBytes(): Uint8Array {
    this.close();
    const opsetImport = [{ domain: '', version: this.options.opset ?? 17 }];
    for (const domain of this.domains) opsetImport.push({ domain, version: 1 });
    const model = new onnx.ModelProto({
      // IR 8 goes with opset 17 (ONNX 1.12) and is the newest this onnx-proto knows.
      irVersion: 8,
      producerName: 'tessera-generate',
      producerVersion: '1',
      opsetImport,
      graph: new onnx.GraphProto({
        name: this.options.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }

  /** Writes the `.onnx` file to `path` (default: the constructor's) and returns the file names written. */
  async save(path = this.options.path): Promise<string[]> {
    if (!path) throw new Error('GraphBuilder.save: no path');
    if (this.dataFile && path !== this.options.path) {
      throw new Error('GraphBuilder.save: a model with external data must be saved where its data file is');
    }
    await writeFile(path, this.toBytes());
    return this.dataFile ? [basename(path), this.dataFile.location] : [basename(path)];
  }
}

function valueInfo(name: string, type: DataType, dims: readonly Dim[]): ValueInfoProto {
  return new onnx.ValueInfoProto({
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPES[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function attribute(name: string, attr: Attr): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (attr.kind) {
    case 'int':
      return new onnx.AttributeProto({ name, type: T.INT, i: attr.value });
    case 'ints':
      return new onnx.AttributeProto({ name, type: T.INTS, ints: [...attr.value] });
    case 'float':
      return new onnx.AttributeProto({ name, type: T.FLOAT, f: attr.value });
    case 'floats':
      return new onnx.AttributeProto({ name, type: T.FLOATS, floats: [...attr.value] });
    case 'string':
      return new onnx.AttributeProto({ name, type: T.STRING, s: new TextEncoder().encode(attr.value) });
  }
}
