export { AdsClient, connectAdsClient, type AdsClientOptions, type AdsMode, type AdsResponse, type AdsStreamStatus, type ReceivedResource } from './ads-client.js';
