/** The names the local provider fakes and the dispatcher's vendor config agree on. */

/** What the local AWS fakes accept (the identities and configuration sets that "exist"). */
export const LocalProviderSettings = {
  originationIdentity: (suffix: string) => `pool-herald-local-${suffix}`,
  configurationSetName: 'herald-local',
  verifiedDomain: 'herald.example.com',
  fromEmailAddress: 'noreply@herald.example.com',
} as const;
