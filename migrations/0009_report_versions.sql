CREATE TABLE "dossier_count_versions" (
	"agency_code" text PRIMARY KEY NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "dossier_count_versions" ADD CONSTRAINT "dossier_count_versions_agency_code_agencies_code_fk" FOREIGN KEY ("agency_code") REFERENCES "public"."agencies"("code") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
-- Every report with values gets its row (writes have always made one; this covers data loaded around the API),
-- so reads can take a report's version stamp from one place.
INSERT INTO "reports" ("period_id", "agency_code")
SELECT DISTINCT "period_id", "agency_code" FROM "indicator_values"
ON CONFLICT DO NOTHING;
