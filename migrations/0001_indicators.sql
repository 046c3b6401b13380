CREATE TABLE "indicator_values" (
	"period_id" text NOT NULL,
	"agency_code" text NOT NULL,
	"indicator_code" text NOT NULL,
	"template_id" text NOT NULL,
	"value_num" numeric,
	"value_text" text,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid,
	CONSTRAINT "indicator_values_period_id_agency_code_indicator_code_pk" PRIMARY KEY("period_id","agency_code","indicator_code")
);
--> statement-breakpoint
CREATE TABLE "indicators" (
	"template_id" text NOT NULL,
	"code" text NOT NULL,
	"position" integer NOT NULL,
	"parent_code" text,
	"level" integer NOT NULL,
	"stt" text NOT NULL,
	"name" text NOT NULL,
	"unit" text,
	"value_type" text NOT NULL,
	"options" jsonb,
	"min" double precision,
	"max" double precision,
	"decimals" integer,
	"formula" text,
	"overridable" boolean DEFAULT false NOT NULL,
	"rollup" text DEFAULT 'none' NOT NULL,
	"heading" boolean DEFAULT false NOT NULL,
	"printed" boolean DEFAULT true NOT NULL,
	"help" text,
	"search_key" text NOT NULL,
	CONSTRAINT "indicators_template_id_code_pk" PRIMARY KEY("template_id","code")
);
--> statement-breakpoint
CREATE TABLE "template_rules" (
	"template_id" text NOT NULL,
	"code" text NOT NULL,
	"position" integer NOT NULL,
	"left" text NOT NULL,
	"op" text NOT NULL,
	"right" text NOT NULL,
	"severity" text NOT NULL,
	"message" text NOT NULL,
	CONSTRAINT "template_rules_template_id_code_pk" PRIMARY KEY("template_id","code")
);
--> statement-breakpoint
CREATE TABLE "templates" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"year" integer NOT NULL,
	"source" text,
	"copied_from" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "value_audit" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_key_id" uuid,
	"request_id" text,
	"period_id" text NOT NULL,
	"agency_code" text NOT NULL,
	"indicator_code" text NOT NULL,
	"action" text NOT NULL,
	"old_value" jsonb,
	"new_value" jsonb,
	"old_note" text,
	"new_note" text
);
--> statement-breakpoint
CREATE TABLE "value_evidence" (
	"period_id" text NOT NULL,
	"agency_code" text NOT NULL,
	"indicator_code" text NOT NULL,
	"document_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "value_evidence_period_id_agency_code_indicator_code_document_id_pk" PRIMARY KEY("period_id","agency_code","indicator_code","document_id")
);
--> statement-breakpoint
ALTER TABLE "periods" ADD COLUMN "template_id" text;--> statement-breakpoint
ALTER TABLE "indicator_values" ADD CONSTRAINT "indicator_values_period_id_periods_id_fk" FOREIGN KEY ("period_id") REFERENCES "public"."periods"("id") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "indicator_values" ADD CONSTRAINT "indicator_values_agency_code_agencies_code_fk" FOREIGN KEY ("agency_code") REFERENCES "public"."agencies"("code") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "indicator_values" ADD CONSTRAINT "indicator_values_template_id_indicator_code_indicators_template_id_code_fk" FOREIGN KEY ("template_id","indicator_code") REFERENCES "public"."indicators"("template_id","code") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "indicators" ADD CONSTRAINT "indicators_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."templates"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "template_rules" ADD CONSTRAINT "template_rules_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."templates"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "value_evidence" ADD CONSTRAINT "value_evidence_period_id_agency_code_indicator_code_indicator_values_period_id_agency_code_indicator_code_fk" FOREIGN KEY ("period_id","agency_code","indicator_code") REFERENCES "public"."indicator_values"("period_id","agency_code","indicator_code") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "indicator_values_indicator_idx" ON "indicator_values" USING btree ("indicator_code","period_id");--> statement-breakpoint
CREATE INDEX "indicators_template_position_idx" ON "indicators" USING btree ("template_id","position");--> statement-breakpoint
CREATE INDEX "indicators_code_idx" ON "indicators" USING btree ("code");--> statement-breakpoint
CREATE INDEX "value_audit_report_idx" ON "value_audit" USING btree ("period_id","agency_code","indicator_code","id");--> statement-breakpoint
ALTER TABLE "periods" ADD CONSTRAINT "periods_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."templates"("id") ON DELETE restrict ON UPDATE cascade;