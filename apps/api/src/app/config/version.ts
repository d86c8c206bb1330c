/** The release this build is (package.json `version`; the OpenAPI document and /settings say it). */
export const GATEHOUSE_VERSION = '0.1.0';
