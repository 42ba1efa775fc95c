// The README's experiment YAML reference, generated from the core schema so that the two never drift
// (config-reference.test.ts fails when they do; `npm run docs:config` rewrites the README section).

import type { JsonSchema } from '@neuro-ssl/core';
import { experimentSchema } from './experiment-schema.js';

interface Row {
  field: string;
  type: string;
  default: string;
  allowed: string;
  description: string;
}

export function renderConfigReference(schema: JsonSchema = experimentSchema): string {
  const rows: Row[] = [];
  walk(schema, '', rows);
  const header = ['Field', 'Type', 'Default', 'Allowed values', 'Description'];
  const lines = [
    '<!-- Generated from packages/runner/src/config/experiment-schema.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${[r.field, r.type, r.default, r.allowed, r.description].map(cell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

function walk(schema: JsonSchema, prefix: string, rows: Row[]): void {
  const props = asRecord(schema.properties);
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  for (const [name, child] of Object.entries(props)) {
    const sub = asRecord(child) as JsonSchema;
    const field = prefix ? `${prefix}.${name}` : name;
    addRow(sub, field, required.includes(name), rows);
  }
}

function addRow(schema: JsonSchema, field: string, required: boolean, rows: Row[]): void {
  if (typeof schema['x-renamedTo'] === 'string') {
    const renamed = `\`${field.replace(/[^.]+$/, schema['x-renamedTo'])}\``;
    rows.push({ field: `\`${field}\``, type: '—', default: '—', allowed: '—', description: `Deprecated spelling of ${renamed}: still read, with a warning.` });
    return;
  }
  rows.push({
    field: `\`${field}\``,
    type: typeOf(schema),
    default: required ? '**required**' : 'default' in schema ? defaultText(schema.default) : '—',
    allowed: allowedText(schema),
    description: typeof schema.description === 'string' ? schema.description : '',
  });
  if (schema.type === 'object') {
    walk(schema, field, rows);
    const extra = schema.additionalProperties;
    if (extra && typeof extra === 'object') addRow(extra as JsonSchema, `${field}.<name>`, false, rows);
  } else if (schema.type === 'array' && schema.items && typeof schema.items === 'object') {
    walk(schema.items as JsonSchema, `${field}[]`, rows);
  }
}

function typeOf(schema: JsonSchema): string {
  const type = Array.isArray(schema.type) ? schema.type.join(' \\| ') : String(schema.type ?? 'any');
  if (type === 'array' && schema.items && typeof schema.items === 'object') {
    const items = schema.items as JsonSchema;
    return `array of ${String(items.type ?? 'any')}`;
  }
  return type;
}

function defaultText(value: unknown): string {
  if (value !== null && typeof value === 'object' && Object.keys(value).length === 0) return '—';
  return `\`${JSON.stringify(value)}\``;
}

function allowedText(schema: JsonSchema): string {
  const parts: string[] = [];
  if (Array.isArray(schema.enum)) parts.push(schema.enum.map((v) => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``).join(', '));
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  if (min !== undefined && max !== undefined) parts.push(`${min} – ${max}`);
  else if (min !== undefined) parts.push(`≥ ${min}`);
  else if (max !== undefined) parts.push(`≤ ${max}`);
  if (typeof schema.pattern === 'string') parts.push(`pattern \`${schema.pattern}\``);
  if (schema.minLength === 1) parts.push('non-empty');
  else if (typeof schema.minLength === 'number') parts.push(`≥ ${schema.minLength} characters`);
  if (typeof schema.maxLength === 'number') parts.push(`≤ ${schema.maxLength} characters`);
  if (typeof schema.minItems === 'number') parts.push(`≥ ${schema.minItems} ${schema.minItems === 1 ? 'item' : 'items'}`);
  if (typeof schema.maxItems === 'number') parts.push(`≤ ${schema.maxItems} items`);
  if (typeof schema.minProperties === 'number') parts.push(`≥ ${schema.minProperties} entries`);
  if (typeof schema.maxProperties === 'number') parts.push(`≤ ${schema.maxProperties} entries`);
  return parts.join('; ') || '—';
}

function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/(?<!\\)\|/g, '\\|');
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
