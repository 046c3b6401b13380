/**
 * Agencies (cơ quan, đơn vị) of the province that report on administrative reform, and where they sit.
 * The one list of agency kinds: the database column, its check constraint and the API's AgencyKind enum
 * are all made from it, so they cannot drift apart.
 */

/**
 * province: UBND tỉnh; department: sở, ban, ngành; district: huyện, thị xã, thành phố; commune: xã, phường,
 * thị trấn; unit: đơn vị trực thuộc. The order is the one the API document lists them in.
 */
export const AGENCY_KINDS = ['province', 'department', 'district', 'commune', 'unit'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];
