/** The file names kustomize reads a kustomization from, in its order; apart so that importing them loads no parser. */
export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
