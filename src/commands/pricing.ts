import { defaultPricingPath, loadPricing, priceAgeMonths, priceEntries, STALE_AFTER_MONTHS, type Pricing, type PriceEntry } from '../cost/pricing.js';

/** `apm-bench pricing`: the prices in force (the default file, with the user's merged over it), each with its age. */
export function pricingInForce(file: string | undefined, today: string): { pricing: Pricing; file: string; entries: Array<PriceEntry & { ageMonths: number; stale: boolean }> } {
  const pricing = loadPricing(file);
  const entries = priceEntries(pricing).map((entry) => {
    const ageMonths = priceAgeMonths(entry.asOf, today);
    return { ...entry, ageMonths, stale: ageMonths > STALE_AFTER_MONTHS };
  });
  return { pricing, file: file ? `${defaultPricingPath} + ${file}` : defaultPricingPath, entries };
}
