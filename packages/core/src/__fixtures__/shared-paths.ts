// Where tests find the data and weights shared beside the project (`../shared/`, never copied into
// the repo). CI clones the repo elsewhere with shared/ beside the clone, so this is relative to the
// repo root; NEURO_SSL_SHARED_DIR overrides it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SHARED_DIR = process.env.NEURO_SSL_SHARED_DIR ?? path.resolve(REPO_ROOT, '../shared');
export const BR35H_DIR = path.join(SHARED_DIR, 'datasets/br35h-oc');
export const MOBILENET_V2_WEIGHTS_DIR = path.join(SHARED_DIR, 'weights/mobilenet_v2_0.35_224_imagenet');
