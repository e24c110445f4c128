export const CONFIG_FILE_NAMES = ['kfm-gitops.yaml', 'kfm-gitops.yml'];
