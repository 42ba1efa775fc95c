// Which adapters Dawn sees here (default, high-performance, low-power, forced fallback), as JSON lines.
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
for (const options of [{}, { powerPreference: 'high-performance' }, { powerPreference: 'low-power' }, { forceFallbackAdapter: true }]) {
  try {
    const a = await gpu.requestAdapter(options);
    const i = a?.info;
    console.log(JSON.stringify({ options, adapter: a ? { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter, maxBufferSize: a.limits.maxBufferSize, maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize, features: [...a.features].length } : null }));
  } catch (err) {
    console.log(JSON.stringify({ options, error: String(err?.message ?? err) }));
  }
}
process.exit(0);
