// `runner data fetch`: the command, and the pieces it is built from for other commands and tests.
export { dataFetchCommand, DATASETS, DUPLICATES_THRESHOLD, type DataFetchOptions } from './data-fetch-command.js';
export { DataFetchError, type DataFetchExitCode } from './data-fetch-error.js';
export { downloadArchive, type DownloadArchiveOptions, type DownloadResult } from './download-archive.js';
export { BR35H_ARCHIVE_URL, BR35H_AUTHOR, BR35H_KAGGLE_URL, BR35H_LICENCE, BR35H_REPO_URL, BR35H_TITLE } from './br35h-source.js';
export { BR35H_CLASSES, BR35H_FOLDERS, br35hRole, type Br35hRole } from './br35h-layout.js';
export { splitDataset, type DatasetSplit, type SplitItem, type SplitOptions } from './split-dataset.js';
export { labelFreeName, LABEL_FREE_NAME } from './label-free-names.js';
export { formatLabelsCsv, LABELS_CSV } from './labels-csv.js';
export { EXPERIMENT_FILE, experimentYaml, writeExperiment, type ExperimentYamlOptions } from './write-experiment.js';
