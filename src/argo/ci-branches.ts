/**
 * The environment variables CI services set to the branch a change merges into, or the repository's default branch:
 * the branch whose content the checked tree becomes. (Not the change's own branch, GITHUB_HEAD_REF and the like:
 * its author can push more to it after the merge, and an Application following it deploys that unchecked.)
 */
export const CI_BRANCH_VARIABLES = [
  'GITHUB_BASE_REF',
  'CI_MERGE_REQUEST_TARGET_BRANCH_NAME',
  'CI_DEFAULT_BRANCH',
  'SYSTEM_PULLREQUEST_TARGETBRANCH',
  'BITBUCKET_PR_DESTINATION_BRANCH',
  'BUILDKITE_PULL_REQUEST_BASE_BRANCH',
  'CHANGE_TARGET',
];
