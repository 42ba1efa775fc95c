// Where Br35H comes from and what its author states about it: the default download, the attribution
// written beside the data, and the manual route when this machine cannot reach GitHub.

export const BR35H_TITLE = 'Br35H :: Brain Tumor Detection 2020';
export const BR35H_AUTHOR = 'Ahmed Hamada';
export const BR35H_REPO_URL = 'https://github.com/AhmedHamada0/Brain-Tumor-Detection-Dataset';
/**
 * GitHub's zip of the default branch. `HEAD` rather than a branch name: the index this was written
 * from does not show whether the default branch is `main` or `master`, and GitHub resolves HEAD to it.
 */
export const BR35H_ARCHIVE_URL = `${BR35H_REPO_URL}/archive/HEAD.zip`;
/** The same images as the author's Kaggle upload (yes/, no/, pred/), the other manual source. */
export const BR35H_KAGGLE_URL = 'https://www.kaggle.com/datasets/ahmedhamada0/brain-tumor-detection';
/**
 * The repository carries no LICENSE file and its README states no licence (checked for the commit the
 * shared br35h-oc copy was made from, b614673f). Without a licence the images stay the author's.
 */
export const BR35H_LICENCE =
  'No licence is stated in the source repository (no LICENSE file, none in its README). The images remain the ' +
  "author's: use them for research, cite the dataset, and do not redistribute them.";
